# Counts the primes below the 32-bit number in the first 4 bytes of the
# input memory (r1 = input, r2 = its length), by trial division.
# Run: pbpf run examples/primes.s --mem "e8 03 00 00" --stats
    mov %r0, 0
    jlt %r2, 4, done
    ldxw %r6, [%r1]
    mov %r7, 2              # candidate
next:
    jge %r7, %r6, done
    mov %r8, 2              # divisor
try:
    mov %r9, %r8
    mul %r9, %r8
    jgt %r9, %r7, prime     # divisor^2 > candidate: no divisor found
    mov %r9, %r7
    mod %r9, %r8
    jeq %r9, 0, composite
    add %r8, 1
    ja try
prime:
    add %r0, 1
composite:
    add %r7, 1
    ja next
done:
    exit
