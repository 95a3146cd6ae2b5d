;; envwire's byte kernels: scans that JavaScript does a byte at a time, 16 or 32 bytes a step
;; (i8x16 compares and i8x16.bitmask, then one ctz a hit). Built into kernels-wasm.ts
;; by scripts/build-kernels.mjs; kernels/simd.ts is the only caller, through the seam in
;; kernels.ts.
;;
;; Memory (one page, never grown): the bytes to scan from 0, at most WINDOW (8192) of them, and
;; 32 bytes of slack (a step reads 32 bytes whatever is left: what lies past the end is
;; masked off; `fields` reads up to 15 bytes past the end, which its caller's sentinel makes
;; harmless); the offsets found at OUT (8224), one i32 each, at most WINDOW of them; from
;; NAMES (40992) a table of field names `fields` looks up, written by its caller: 512 sets of
;; two slots (i32: where a name's entry is, or 0), by the top 9 bits of the name's hash, then
;; the entries (i32 length, i32 id, the name's bytes with their 0x20 bits set).
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
    (i32.shr_u (i32.sub (local.get $w) (i32.const 8224)) (i32.const 2)))

  ;; An HTTP request line (RFC 9112 §3) at `start`, when it is plain: a method of capital
  ;; letters, SP, a target of visible ASCII bytes (and bytes 0x80-0xFF when $raw is 1), SP,
  ;; HTTP/1.0 or HTTP/1.1, CR LF, all before `end`. Writes seven i32s from OUT: where the
  ;; method ends, where the target ends, where its query starts (past its first "?" before
  ;; any "#") or -1, where its fragment starts (its first "#") or -1, 1 when a "%" comes
  ;; before both or else 0, the version's minor digit, and where the next line starts
  ;; (offsets plus `base`). Returns 1; 0 when the line is not plain or not whole (the
  ;; caller's own loop then reads it, and reports what is wrong, if anything).
  ;;
  ;; The byte at `end` must be 0 (the caller writes it): both searches stop there at the latest.
  (func (export "requestLine") (param $start i32) (param $end i32) (param $base i32) (param $raw i32) (result i32)
    (local $p i32)
    (local $v v128)
    (local $m i32)
    (local $e i32)
    (local $c i32)
    (local $high v128)
    (local $method i32)
    (local $target i32)
    (local $query i32)
    (local $fragment i32)
    (local $escaped i32)
    ;; The method: capital letters, to the first other byte, which must be SP.
    (local.set $p (local.get $start))
    (block $found
      (loop $scan
        (local.set $v (v128.load (local.get $p)))
        (local.set $m
          (i8x16.bitmask
            (v128.or
              (i8x16.lt_u (local.get $v) (v128.const i8x16 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41 0x41))
              (i8x16.gt_u (local.get $v) (v128.const i8x16 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a 0x5a)))))
        (br_if $found (local.get $m))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $scan)))
    (local.set $method (i32.add (local.get $p) (i32.ctz (local.get $m))))
    (if (i32.or (i32.eq (local.get $method) (local.get $start))
                (i32.ne (i32.load8_u (local.get $method)) (i32.const 0x20)))
      (then (return (i32.const 0))))
    ;; The target: to the first byte that is not visible ASCII (0x80-0xFF are, when $raw),
    ;; noting "?", "%" and "#" on the way; that byte must be SP, with a target before it.
    (local.set $target (i32.add (local.get $method) (i32.const 1)))
    (local.set $query (i32.const -1))
    (local.set $fragment (i32.const -1))
    (local.set $escaped (i32.const 0))
    (local.set $high (i8x16.splat (i32.sub (i32.const 0) (i32.eqz (local.get $raw)))))
    (local.set $p (local.get $target))
    (block $ended
      (loop $scan
        (local.set $v (v128.load (local.get $p)))
        (local.set $m
          (i8x16.bitmask
            (v128.or
              (v128.or
                (i8x16.le_u (local.get $v) (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
                (i8x16.eq (local.get $v) (v128.const i8x16 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f)))
              (v128.or
                (v128.and (local.get $high)
                  (i8x16.ge_u (local.get $v) (v128.const i8x16 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80 0x80)))
                (v128.or
                  (i8x16.eq (local.get $v) (v128.const i8x16 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f 0x3f))
                  (v128.or
                    (i8x16.eq (local.get $v) (v128.const i8x16 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25 0x25))
                    (i8x16.eq (local.get $v) (v128.const i8x16 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23 0x23))))))))
        (block $next
          (loop $hit
            (br_if $next (i32.eqz (local.get $m)))
            (local.set $e (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (local.set $c (i32.load8_u (local.get $e)))
            (if (i32.eq (local.get $c) (i32.const 0x23))
              (then
                (if (i32.lt_s (local.get $fragment) (i32.const 0))
                  (then (local.set $fragment (local.get $e)))))
              (else
                (br_if $ended (i32.and (i32.ne (local.get $c) (i32.const 0x3f)) (i32.ne (local.get $c) (i32.const 0x25))))
                ;; "?" or "%" before any "?" or "#": the query's start, or an escape in the path.
                (if (i32.and (i32.lt_s (local.get $query) (i32.const 0)) (i32.lt_s (local.get $fragment) (i32.const 0)))
                  (then
                    (if (i32.eq (local.get $c) (i32.const 0x3f))
                      (then (local.set $query (i32.add (local.get $e) (i32.const 1))))
                      (else (local.set $escaped (i32.const 1))))))))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br $hit)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $scan)))
    (if (i32.or (i32.eq (local.get $e) (local.get $target)) (i32.ne (local.get $c) (i32.const 0x20)))
      (then (return (i32.const 0))))
    ;; "HTTP/1.", 0 or 1, CR LF, all before `end`.
    (local.set $p (i32.add (local.get $e) (i32.const 1)))
    (if (i32.or
          (i32.gt_u (i32.add (local.get $p) (i32.const 10)) (local.get $end))
          (i32.or
            (i64.ne (i64.and (i64.load (local.get $p)) (i64.const 0x00ffffffffffffff)) (i64.const 0x002e312f50545448))
            (i32.or
              (i32.gt_u (i32.sub (i32.load8_u offset=7 (local.get $p)) (i32.const 0x30)) (i32.const 1))
              (i32.ne (i32.load16_u offset=8 (local.get $p)) (i32.const 0x0a0d)))))
      (then (return (i32.const 0))))
    (i32.store offset=8224 (i32.const 0) (i32.add (local.get $method) (local.get $base)))
    (i32.store offset=8228 (i32.const 0) (i32.add (local.get $e) (local.get $base)))
    (i32.store offset=8232 (i32.const 0)
      (select (i32.const -1) (i32.add (local.get $query) (local.get $base)) (i32.lt_s (local.get $query) (i32.const 0))))
    (i32.store offset=8236 (i32.const 0)
      (select (i32.const -1) (i32.add (local.get $fragment) (local.get $base)) (i32.lt_s (local.get $fragment) (i32.const 0))))
    (i32.store offset=8240 (i32.const 0) (local.get $escaped))
    (i32.store offset=8244 (i32.const 0) (i32.sub (i32.load8_u offset=7 (local.get $p)) (i32.const 0x30)))
    (i32.store offset=8248 (i32.const 0) (i32.add (i32.add (local.get $p) (i32.const 10)) (local.get $base)))
    (i32.const 1))

  ;; An HTTP status line (RFC 9112 §4) at `start`, when it is plain: HTTP/1.0 or HTTP/1.1, SP,
  ;; three digits from 100, and CR LF, or SP, a reason of bytes that are no control byte (tab
  ;; aside) nor DEL, and CR LF, all before `end`. Writes five i32s from OUT: the version's
  ;; minor digit, the status code, where the reason starts and ends, and where the next line
  ;; starts (offsets plus `base`). Returns 1; 0 when the line is anything else or not whole
  ;; (the caller's own loop then reads it, and reports what is wrong, if anything).
  ;;
  ;; The byte at `end` must be 0 (the caller writes it): the reason's search stops there at the latest.
  (func (export "statusLine") (param $start i32) (param $end i32) (param $base i32) (result i32)
    (local $p i32)
    (local $v v128)
    (local $m i32)
    (local $d0 i32)
    (local $d1 i32)
    (local $d2 i32)
    (local $reason i32)
    ;; "HTTP/1.", 0 or 1, SP, three digits: 13 bytes with what follows them.
    (if (i32.gt_u (i32.add (local.get $start) (i32.const 14)) (local.get $end))
      (then (return (i32.const 0))))
    (local.set $d0 (i32.sub (i32.load8_u offset=9 (local.get $start)) (i32.const 0x30)))
    (local.set $d1 (i32.sub (i32.load8_u offset=10 (local.get $start)) (i32.const 0x30)))
    (local.set $d2 (i32.sub (i32.load8_u offset=11 (local.get $start)) (i32.const 0x30)))
    (if (i32.or
          (i64.ne (i64.and (i64.load (local.get $start)) (i64.const 0x00ffffffffffffff)) (i64.const 0x002e312f50545448))
          (i32.or
            (i32.gt_u (i32.sub (i32.load8_u offset=7 (local.get $start)) (i32.const 0x30)) (i32.const 1))
            (i32.or
              (i32.ne (i32.load8_u offset=8 (local.get $start)) (i32.const 0x20))
              (i32.or
                (i32.or (i32.gt_u (local.get $d0) (i32.const 9)) (i32.eqz (local.get $d0)))
                (i32.or (i32.gt_u (local.get $d1) (i32.const 9)) (i32.gt_u (local.get $d2) (i32.const 9)))))))
      (then (return (i32.const 0))))
    ;; CR LF at once (no reason), or SP and the reason up to the first control byte but a tab,
    ;; or DEL, which must be CR, then LF.
    (local.set $reason (i32.add (local.get $start) (i32.const 12)))
    (local.set $p (local.get $reason))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x20))
      (then
        (local.set $reason (i32.add (local.get $reason) (i32.const 1)))
        (local.set $p (local.get $reason))
        (block $found
          (loop $scan
            (local.set $v (v128.load (local.get $p)))
            (local.set $m
              (i8x16.bitmask
                (v128.or
                  (v128.and
                    (i8x16.lt_u (local.get $v) (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
                    (i8x16.ne (local.get $v) (v128.const i8x16 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09)))
                  (i8x16.eq (local.get $v) (v128.const i8x16 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f)))))
            (br_if $found (local.get $m))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $scan)))
        (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $m))))))
    (if (i32.or
          (i32.gt_u (i32.add (local.get $p) (i32.const 2)) (local.get $end))
          (i32.ne (i32.load16_u (local.get $p)) (i32.const 0x0a0d)))
      (then (return (i32.const 0))))
    (i32.store offset=8224 (i32.const 0) (i32.sub (i32.load8_u offset=7 (local.get $start)) (i32.const 0x30)))
    (i32.store offset=8228 (i32.const 0)
      (i32.add (i32.add (i32.mul (local.get $d0) (i32.const 100)) (i32.mul (local.get $d1) (i32.const 10))) (local.get $d2)))
    (i32.store offset=8232 (i32.const 0) (i32.add (local.get $reason) (local.get $base)))
    (i32.store offset=8236 (i32.const 0) (i32.add (local.get $p) (local.get $base)))
    (i32.store offset=8240 (i32.const 0) (i32.add (i32.add (local.get $p) (i32.const 2)) (local.get $base)))
    (i32.const 1))

  ;; HTTP field lines (RFC 9112 §5), from `start` to the empty line, as far as each is plain:
  ;; a name of bytes 0x21-0x7E but ":" (not empty), ":", spaces and tabs, a value of bytes
  ;; that are no control byte (tab aside) nor DEL, and CR LF. For each it writes five i32s
  ;; from OUT: where the name ends (its colon), the name's hash (field-names.ts's nameHash,
  ;; four bytes at a time as the scanner takes it), where the value starts and ends (spaces
  ;; and tabs around it left out), where the next line starts (offsets plus `base`), and the
  ;; id of the NAMES entry whose bytes the name's are, up to the 0x20 bits, or -1.
  ;; It stops at the first line that is not plain (the empty line among them: the caller's
  ;; own loop reads it, and reports what is wrong, if anything), at the end of the bytes, or
  ;; after 1365 lines (as many as OUT has room for). Returns lines * 2, plus 1 when it
  ;; stopped only for want of bytes or room (the line it stopped at may be plain).
  ;;
  ;; The byte at `end` must be 0 (the caller writes it): every search stops there at the
  ;; latest, so no step masks what lies past the end.
  (func (export "fields") (param $start i32) (param $end i32) (param $base i32) (result i32)
    (local $s i32)
    (local $p i32)
    (local $v v128)
    (local $m i32)
    (local $colon i32)
    (local $h i32)
    (local $vs i32)
    (local $ve i32)
    (local $c i32)
    (local $w i32)
    (local $len i32)
    (local $id i32)
    (local $slot i32)
    (local $e i32)
    (local $k i32)
    (local.set $s (local.get $start))
    (local.set $w (i32.const 8224))
    (block $stop
      (loop $line
        ;; No room for another line: stop, more may follow.
        (if (i32.gt_u (local.get $w) (i32.const 40968))
          (then (return (i32.or (i32.div_u (i32.sub (local.get $w) (i32.const 8224)) (i32.const 12)) (i32.const 1)))))
        ;; The name: to the first byte that is ":", or 0x20 or below, or 0x7F or above.
        (local.set $p (local.get $s))
        (block $found
          (loop $scan
            (local.set $v (v128.load (local.get $p)))
            (local.set $m
              (i8x16.bitmask
                (v128.or
                  (i8x16.eq (local.get $v) (v128.const i8x16 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a 0x3a))
                  (v128.or
                    (i8x16.le_u (local.get $v) (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
                    (i8x16.ge_u (local.get $v) (v128.const i8x16 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f))))))
            (br_if $found (local.get $m))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $scan)))
        (local.set $colon (i32.add (local.get $p) (i32.ctz (local.get $m))))
        (if (i32.or (i32.eq (local.get $colon) (local.get $s))
                    (i32.ne (i32.load8_u (local.get $colon)) (i32.const 0x3a)))
          (then
            (local.set $c (i32.ge_u (local.get $colon) (local.get $end)))
            (br $stop)))
        ;; The name's hash: its whole words, then its last bytes, each with the 0x20 bits set.
        (local.set $h (i32.const 0x811c9dc5))
        (local.set $p (local.get $s))
        (block $words
          (loop $word
            (br_if $words (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $colon)))
            (local.set $h
              (i32.mul (i32.xor (local.get $h) (i32.or (i32.load (local.get $p)) (i32.const 0x20202020)))
                (i32.const 0x9e3779b1)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $word)))
        (block $bytes
          (loop $byte
            (br_if $bytes (i32.ge_u (local.get $p) (local.get $colon)))
            (local.set $h
              (i32.mul (i32.xor (local.get $h) (i32.or (i32.load8_u (local.get $p)) (i32.const 0x20)))
                (i32.const 0x9e3779b1)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $byte)))
        ;; The name's entry in NAMES: one of its set's two, the same length, the same bytes
        ;; up to the 0x20 bits (four at a time, then one at a time).
        (local.set $len (i32.sub (local.get $colon) (local.get $s)))
        (local.set $id (i32.const -1))
        (local.set $slot (i32.add (i32.const 40992) (i32.shl (i32.shr_u (local.get $h) (i32.const 23)) (i32.const 3))))
        (block $named
          (loop $way
            (local.set $e (i32.load (local.get $slot)))
            (if (i32.and (i32.ne (local.get $e) (i32.const 0)) (i32.eq (i32.load (local.get $e)) (local.get $len)))
              (then
                (local.set $k (i32.const 0))
                (block $differ
                  (block $same
                    (loop $words
                      (br_if $same (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $len)))
                      (br_if $differ
                        (i32.ne (i32.or (i32.load (i32.add (local.get $s) (local.get $k))) (i32.const 0x20202020))
                          (i32.load offset=8 (i32.add (local.get $e) (local.get $k)))))
                      (local.set $k (i32.add (local.get $k) (i32.const 4)))
                      (br $words)))
                  (block $tail
                    (loop $bytes
                      (br_if $tail (i32.ge_u (local.get $k) (local.get $len)))
                      (br_if $differ
                        (i32.ne (i32.or (i32.load8_u (i32.add (local.get $s) (local.get $k))) (i32.const 0x20))
                          (i32.load8_u offset=8 (i32.add (local.get $e) (local.get $k)))))
                      (local.set $k (i32.add (local.get $k) (i32.const 1)))
                      (br $bytes)))
                  (local.set $id (i32.load offset=4 (local.get $e)))
                  (br $named))))
            (br_if $named (i32.and (local.get $slot) (i32.const 4)))
            (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
            (br $way)))
        ;; The value: past the spaces and tabs after the colon, to the first control byte
        ;; (below 0x20 but a tab, or DEL), which must be CR, then LF.
        (local.set $p (i32.add (local.get $colon) (i32.const 1)))
        (block $ows
          (loop $space
            (local.set $c (i32.load8_u (local.get $p)))
            (br_if $ows (i32.and (i32.ne (local.get $c) (i32.const 0x20)) (i32.ne (local.get $c) (i32.const 0x09))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $space)))
        (local.set $vs (local.get $p))
        (block $found
          (loop $scan
            (local.set $v (v128.load (local.get $p)))
            (local.set $m
              (i8x16.bitmask
                (v128.or
                  (v128.and
                    (i8x16.lt_u (local.get $v) (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
                    (i8x16.ne (local.get $v) (v128.const i8x16 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09 0x09)))
                  (i8x16.eq (local.get $v) (v128.const i8x16 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f 0x7f)))))
            (br_if $found (local.get $m))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $scan)))
        (local.set $p (i32.add (local.get $p) (i32.ctz (local.get $m))))
        (if (i32.or (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x0d))
                    (i32.ne (i32.load8_u offset=1 (local.get $p)) (i32.const 0x0a)))
          (then
            ;; (At the end, or a CR as the last byte: the line may yet be plain.)
            (local.set $c (i32.ge_u (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
            (br $stop)))
        ;; Spaces and tabs before the CR are no part of the value.
        (local.set $ve (local.get $p))
        (block $trimmed
          (loop $trim
            (br_if $trimmed (i32.le_u (local.get $ve) (local.get $vs)))
            (local.set $c (i32.load8_u offset=0 (i32.sub (local.get $ve) (i32.const 1))))
            (br_if $trimmed (i32.and (i32.ne (local.get $c) (i32.const 0x20)) (i32.ne (local.get $c) (i32.const 0x09))))
            (local.set $ve (i32.sub (local.get $ve) (i32.const 1)))
            (br $trim)))
        (local.set $s (i32.add (local.get $p) (i32.const 2)))
        (i32.store offset=0 (local.get $w) (i32.add (local.get $colon) (local.get $base)))
        (i32.store offset=4 (local.get $w) (local.get $h))
        (i32.store offset=8 (local.get $w) (i32.add (local.get $vs) (local.get $base)))
        (i32.store offset=12 (local.get $w) (i32.add (local.get $ve) (local.get $base)))
        (i32.store offset=16 (local.get $w) (i32.add (local.get $s) (local.get $base)))
        (i32.store offset=20 (local.get $w) (local.get $id))
        (local.set $w (i32.add (local.get $w) (i32.const 24)))
        (br $line)))
    ;; lines * 2 = (w - OUT) / 24 * 2 = (w - OUT) / 12.
    (i32.or (i32.div_u (i32.sub (local.get $w) (i32.const 8224)) (i32.const 12)) (local.get $c))))
