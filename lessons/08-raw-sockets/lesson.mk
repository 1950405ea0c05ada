# What lesson 08 builds, read by the course Makefile: the programs, each one's
# .c files (its own first, then the modules it links) and the libraries it
# links (LDLIBS for every program, NAME_LDLIBS for one).
#
# icmp.c is yours: the checksum, the echo request and the IPv4 and ICMP
# parsers. Both programs link it (sniff reads the IPv4 header with it).
PROGRAMS := myping sniff
myping_SOURCES := myping.c icmp.c
sniff_SOURCES := sniff.c icmp.c
LDLIBS :=
myping_LDLIBS := -lm
