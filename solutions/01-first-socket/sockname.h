/*
 * sockname.h - names for the numbers a socket is made of.
 *
 * The kernel speaks in numbers (2, 1, 6); people read names (AF_INET,
 * SOCK_STREAM, IPPROTO_TCP). These helpers turn one into the other so that
 * sockinfo can print what getsockopt(2) reads back. Provided: you do not
 * need to change this module.
 */
#ifndef SOCKNAME_H
#define SOCKNAME_H

#include <stddef.h>

/* Longest text a sockname_* function writes into its buffer, with the NUL. */
#define SOCKNAME_LEN 24

/* The name of an address family ("AF_INET"); for one it does not know, its
 * number written into buf. Returns a static string or buf. */
const char *sockname_domain(int domain, char buf[SOCKNAME_LEN]);

/* The name of a socket type ("SOCK_STREAM"), or its number in buf. */
const char *sockname_type(int type, char buf[SOCKNAME_LEN]);

/* The name of a protocol ("IPPROTO_TCP"), or its number in buf (0 for the
 * default protocol of a family that has only one, like AF_UNIX). */
const char *sockname_protocol(int protocol, char buf[SOCKNAME_LEN]);

/* The symbolic name of an errno value ("EMFILE"), or "errno N" in buf. */
const char *sockname_errno(int err, char buf[SOCKNAME_LEN]);

#endif
