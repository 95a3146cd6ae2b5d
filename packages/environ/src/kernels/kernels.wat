;; envwire's byte kernels: scans that JavaScript does a byte at a time, 32 bytes a step
;; (i8x16.eq and i8x16.bitmask on two vectors, then one ctz a hit). Built into kernels-wasm.ts
;; by scripts/build-kernels.mjs; kernels/simd.ts is the only caller, through the seam in
;; kernels.ts.
;;
;; Memory (one page, never grown): the bytes to scan from 0, at most WINDOW (8192) of them, and
;; 32 bytes of slack (a step reads 32 bytes whatever is left: what lies past the end is
;; masked off); the offsets found at OUT (8224), one i32 each, at most WINDOW of them.
(module
  (memory (export "memory") 1 1)

  ;; Lists `base + i` for every i in [start, end) where the byte at i is 0, as i32s from OUT,
  ;; in order; returns how many. end <= WINDOW: the caller's duty (the seam's window).
  (func (export "nuls") (param $start i32) (param $end i32) (param $base i32) (result i32)
    (local $i i32)
    (local $w i32)
    (local $mask i32)
    (local $left i32)
    (local.set $i (local.get $start))
    (local.set $w (i32.const 8224))
    (block $done
      (loop $step
        (local.set $left (i32.sub (local.get $end) (local.get $i)))
        (br_if $done (i32.le_s (local.get $left) (i32.const 0)))
        (local.set $mask
          (i32.or
            (i8x16.bitmask (i8x16.eq (v128.load (local.get $i)) (v128.const i64x2 0 0)))
            (i32.shl
              (i8x16.bitmask (i8x16.eq (v128.load offset=16 (local.get $i)) (v128.const i64x2 0 0)))
              (i32.const 16))))
        ;; The last step: bits past end are bytes of an earlier scan, not this one's.
        (if (i32.lt_u (local.get $left) (i32.const 32))
          (then
            (local.set $mask
              (i32.and (local.get $mask)
                (i32.sub (i32.shl (i32.const 1) (local.get $left)) (i32.const 1))))))
        (block $none
          (loop $hit
            (br_if $none (i32.eqz (local.get $mask)))
            (i32.store (local.get $w)
              (i32.add (local.get $base) (i32.add (local.get $i) (i32.ctz (local.get $mask)))))
            (local.set $w (i32.add (local.get $w) (i32.const 4)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $hit)))
        (local.set $i (i32.add (local.get $i) (i32.const 32)))
        (br $step)))
    (i32.shr_u (i32.sub (local.get $w) (i32.const 8224)) (i32.const 2))))
