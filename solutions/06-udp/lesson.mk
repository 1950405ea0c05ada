# What lesson 06 builds, read by the course Makefile: the programs, each one's
# .c files (its own first, then the modules it links) and the libraries it
# links (LDLIBS for every program, NAME_LDLIBS for one).
#
# ../02-addresses/addr.c is YOUR addr.c from lesson 02: lesson 06 reuses its
# parse_port and format_sockaddr (the solutions link the solution's). Finish
# lesson 02 first: make grade L=02.
PROGRAMS := udp_echo udp_ping
udp_echo_SOURCES := udp_echo.c udp.c ../02-addresses/addr.c
udp_ping_SOURCES := udp_ping.c udp.c probe.c ../02-addresses/addr.c
LDLIBS := -lm
