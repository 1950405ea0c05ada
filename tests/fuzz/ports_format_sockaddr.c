/*
 * ports_format_sockaddr.c - fuzz lesson 03's format_sockaddr
 * (solutions/03-bind-and-ports/ports.c).
 *
 * The input is a socket address built from raw bytes (layout in
 * check_format.h). Checks: a whole IPv4 or IPv6 address comes out exactly as
 * "ADDR:PORT" or "[ADDR]:PORT"; the buffer size is respected to the byte
 * (EAI_OVERFLOW one byte short); a short sockaddr or another family is
 * refused and never read past its length.
 */
#define _GNU_SOURCE
#include "ports.h"
#include "check_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_storage ss;
    socklen_t salen;
    free(check_format_sockaddr(format_sockaddr, data, size, &ss, &salen));
    return 0;
}
