/* Globals of the types of btf_layout.h, so that their BTF is emitted. */
#include "btf_layout.h"

struct lay_basic v_basic;
struct lay_bits v_bits;
union lay_union v_union;
enum lay_enum v_enum;
struct lay_nested v_nested;
struct lay_packed v_packed;
struct lay_tail v_tail;

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
