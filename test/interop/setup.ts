/**
 * The interop project's global setup: installs the peers before any test file starts, as
 * apt-get may take minutes (longer than a hook may take).
 */
import { requirePeers } from "./peers.js";

export default function setup(): void {
  requirePeers();
}
