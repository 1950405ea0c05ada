# What lesson 07 builds, read by the course Makefile: the programs, each one's
# .c files (its own first, then the modules it links) and the libraries it
# links (LDLIBS for every program, NAME_LDLIBS for one).
#
# uds.c is the lesson's socket module (addresses, the listener that never
# steals a live socket file, SCM_RIGHTS, SO_PEERCRED): all three programs
# link it.
PROGRAMS := uds_server uds_client uds_pair
uds_server_SOURCES := uds_server.c uds.c
uds_client_SOURCES := uds_client.c uds.c
uds_pair_SOURCES := uds_pair.c uds.c
LDLIBS :=
