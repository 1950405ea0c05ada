#define _GNU_SOURCE
/*
 * sockname.c - names for address families, socket types, protocols and
 * errno values (see sockname.h). Provided: you do not need to change it.
 */
#include "sockname.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

/* One number and its name; a table ends with a NULL name. */
struct sockname {
    int value;
    const char *name;
};

#define NAME(x)                                                                                              \
    {                                                                                                        \
        x, #x                                                                                                \
    }

static const struct sockname domains[] = {
    NAME(AF_UNIX), NAME(AF_INET), NAME(AF_INET6), NAME(AF_NETLINK), NAME(AF_PACKET), {0, NULL},
};

static const struct sockname types[] = {
    NAME(SOCK_STREAM), NAME(SOCK_DGRAM), NAME(SOCK_SEQPACKET), NAME(SOCK_RAW), {0, NULL},
};

static const struct sockname protocols[] = {
    NAME(IPPROTO_TCP),  NAME(IPPROTO_UDP), NAME(IPPROTO_ICMP), NAME(IPPROTO_ICMPV6),
    NAME(IPPROTO_SCTP), NAME(IPPROTO_RAW), {0, NULL},
};

static const struct sockname errnos[] = {
    NAME(EMFILE), NAME(ENFILE), NAME(ENOBUFS),      NAME(ENOMEM),          NAME(EACCES),
    NAME(EPERM),  NAME(EINVAL), NAME(EAFNOSUPPORT), NAME(EPROTONOSUPPORT), NAME(ESOCKTNOSUPPORT),
    NAME(EBADF),  NAME(ENOSYS), {0, NULL},
};

/* The name of value in table, or value formatted into buf with prefix. */
static const char *lookup(const struct sockname *table, int value, const char *prefix, char buf[SOCKNAME_LEN])
{
    for (const struct sockname *n = table; n->name != NULL; n++)
        if (n->value == value)
            return n->name;
    snprintf(buf, SOCKNAME_LEN, "%s%d", prefix, value);
    return buf;
}

const char *sockname_domain(int domain, char buf[SOCKNAME_LEN])
{
    return lookup(domains, domain, "", buf);
}

const char *sockname_type(int type, char buf[SOCKNAME_LEN])
{
    return lookup(types, type, "", buf);
}

const char *sockname_protocol(int protocol, char buf[SOCKNAME_LEN])
{
    return lookup(protocols, protocol, "", buf);
}

const char *sockname_errno(int err, char buf[SOCKNAME_LEN])
{
    return lookup(errnos, err, "errno ", buf);
}
