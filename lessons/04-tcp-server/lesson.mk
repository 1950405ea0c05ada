# What lesson 04 builds, read by the course Makefile: the programs, each one's
# .c files (its own first, then the modules it links) and the libraries it
# links (LDLIBS for every program, NAME_LDLIBS for one). Any style of main()
# builds: only this list says which file is a program.
#
# ../02-addresses/addr.c is YOUR addr.c from lesson 02: echo_server reuses
# its parse_port and format_sockaddr (the solutions link the solution's).
# Finish lesson 02 first: make grade L=02.
PROGRAMS := echo_server
echo_server_SOURCES := echo_server.c echo.c ../02-addresses/addr.c
LDLIBS :=
