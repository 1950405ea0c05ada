# What lesson 01 builds, read by the course Makefile: the programs, each one's
# .c files (its own first, then the modules it links) and the libraries it
# links (LDLIBS for every program, NAME_LDLIBS for one). Any style of main()
# builds: only this list says which file is a program.
PROGRAMS := sockinfo
sockinfo_SOURCES := sockinfo.c sockname.c
LDLIBS :=
