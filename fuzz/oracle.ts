// The whole-against-cut oracle every target runs lives with the targets, in
// @envwire/environ/fuzz (outside harnesses use the same); here for targets of fuzz/'s own.
export { holder, splitInvariant } from "@envwire/environ/fuzz";
