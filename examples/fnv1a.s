# FNV-1a (32-bit) hash of the 16 bytes r1 points to (r2 = their length).
# The loop has a constant bound, so the verifier proves that it ends and that
# every read stays inside the 16 bytes: it runs in verified mode and on the
# JIT (examples/primes.s, whose loop the input bounds, runs only checked).
# Run: pbpf run examples/fnv1a.s --mode verified \
#        --mem "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"
    mov32 %r0, 0x811c9dc5   # offset basis
    mov %r3, 0
next:
    mov %r4, %r1
    add %r4, %r3
    ldxb %r5, [%r4]
    xor32 %r0, %r5
    mul32 %r0, 0x01000193   # FNV prime
    add %r3, 1
    jlt %r3, 16, next
    exit
