/*
 * addr_parse_port.c - fuzz lesson 02's parse_port (solutions/02-addresses/addr.c).
 *
 * Checks, for any text: parse_port accepts exactly the decimal strings with a
 * value 0..65535 and gives that value; refuses the rest with EINVAL (not
 * digits) or ERANGE (too big); never reads past the text. The properties are
 * in check_port.h.
 */
#define _GNU_SOURCE
#include "addr.h"
#include "check_port.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return check_parse_port(parse_port, data, size);
}
