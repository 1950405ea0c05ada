# socklab - the course's one Makefile. `make help` lists the targets.
#
# Layout: lessons/NN-slug (what students edit), solutions/NN-slug (the
# reference, source of the skeletons), tests/ (the grader), tools/, book/,
# diagrams/. Everything built goes under build/.
#
# Each lesson declares what it builds in lessons/NN-slug/lesson.mk (a copy of
# solutions/NN-slug/lesson.mk, written by `make skeletons`):
#     PROGRAMS := listener sockstate              the lesson's programs
#     listener_SOURCES := listener.c ports.c      a program's .c files, its own first
#     LDLIBS := -lm                               libraries every program links
#     listener_LDLIBS := -lssl -lcrypto           libraries one program links
# A program without NAME_SOURCES is built from NAME.c alone. A source
# ../NN-slug/FILE.c is a file of an earlier lesson, which this one reuses:
# from the same tree, so the solution links the solution's file and a
# student's lesson links the student's own (see tests/README.md, "lesson.mk").
# Every program links the course library, lib/ (given helpers, never
# graded; lib/cli.h ...), and finds its headers with -Ilib.
# A tool is tools/NAME.c or a folder tools/NAME/ of .c files
# (TOOL_LDLIBS_NAME: its libraries). Nothing here greps sources: parsing
# this file stays fast as lessons and mutants grow.

.DEFAULT_GOAL := all
SHELL := /bin/bash

CC ?= cc
CFLAGS := -std=c17 -Wall -Wextra -Werror -O1 -g
LDFLAGS :=
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
export SOCKLAB_SLOW ?= 4
endif
DEPFLAGS = -MMD -MP

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Rebuild everything when the flags change (SAN=1 and back).
FLAGS_STAMP := build/.cflags
$(shell mkdir -p build && { echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $(FLAGS_STAMP) || \
	echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $(FLAGS_STAMP); })

# ---- lessons ------------------------------------------------------------------

LESSONS := $(sort $(notdir $(wildcard lessons/[0-9][0-9]-*)))
ifdef L
SEL := $(filter $(foreach l,$(L),$(l) $(l)-%),$(LESSONS))
ifeq ($(SEL),)
$(error no lesson matches L=$(L); the lessons are: $(LESSONS))
endif
else
SEL := $(LESSONS)
endif
HAVE_SOLUTIONS := $(wildcard solutions/[0-9][0-9]-*)
SOLUTIONS := $(HAVE_SOLUTIONS:solutions/%=%)

# $(call read_lesson,DIR): include DIR/lesson.mk and keep what it declares as
# PROGRAMS_DIR, SOURCES_DIR_NAME and LIBS_DIR_NAME, for each program NAME.
define read_lesson
$(if $(wildcard $(1)/lesson.mk),,$(error $(1)/lesson.mk is missing: it declares the lesson's programs \
  (see the top of the Makefile)$(if $(filter lessons/%,$(1)),$(if $(wildcard solutions/$(notdir $(1))), - make skeletons writes it))))
PROGRAMS :=
LDLIBS :=
include $(1)/lesson.mk
PROGRAMS_$(1) := $$(PROGRAMS)
LIBS_$(1) := $$(LDLIBS)
$$(foreach p,$$(PROGRAMS),$$(eval $$(call keep_program,$(1),$$(p))))
PROGRAMS :=
LDLIBS :=
endef
define keep_program
SOURCES_$(1)_$(2) := $$(or $$($(2)_SOURCES),$(2).c)
LIBS_$(1)_$(2) := $$(strip $$(LIBS_$(1)) $$($(2)_LDLIBS))
undefine $(2)_SOURCES
undefine $(2)_LDLIBS
endef

# $(call compile_rule,SRCTREE,OUTTREE): one pattern rule compiles every
# lesson's .c files; a lesson's headers are found beside its sources, the
# course library's in lib/.
define compile_rule
$(2)/%.o: $(1)/%.c $$(FLAGS_STAMP)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  CC      $$<")
	$$(Q)$$(CC) $$(CFLAGS) $$(DEPFLAGS) -I$$(<D) -Ilib -c $$< -o $$@
endef

# $(call link_rule,PROGRAM,OBJECTS,LIBS): OBJECTS may end with an archive.
define link_rule
$(1): $(2)
	@mkdir -p $$(@D)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LDFLAGS) $$(filter %.o %.a,$$^) $(3) -o $$@
endef

# The course library: lib/*.c in one archive that every lesson's program
# links (a program gets only the members it calls).
LIB_OBJS := $(patsubst lib/%.c,build/lib/%.o,$(wildcard lib/*.c))
LIB_AR := $(if $(LIB_OBJS),build/lib/libcourse.a)
$(eval $(call compile_rule,lib,build/lib))
build/lib/libcourse.a: $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# $(call objects_of,OUTTREE,SLUG,SOURCES): the object of each source of
# lesson SLUG: OUTTREE/SLUG/FILE.o for its own FILE.c, OUTTREE/NN-slug/FILE.o
# for ../NN-slug/FILE.c (the one that lesson builds too).
objects_of = $(foreach s,$(3),$(if $(filter ../%,$(s)),$(1)/$(patsubst ../%.c,%.o,$(s)),$(1)/$(2)/$(s:.c=.o)))
# $(call skel_objects_of,SLUG,SOURCES): the same for a skeleton with every
# earlier lesson solved: its own objects from build/lessons, the earlier
# lessons' from build/sol (what `grade --selftest` checks fails every test).
skel_objects_of = $(foreach s,$(2),$(if $(filter ../%,$(s)),build/sol/$(patsubst ../%.c,%.o,$(s)),build/lessons/$(1)/$(s:.c=.o)))

# $(call lesson_rules,SRCTREE,OUTTREE,SLUG,VAR): the link rule of each
# program of lesson SLUG in SRCTREE into OUTTREE/SLUG; VAR_SLUG lists them.
define lesson_rules
$(foreach p,$(PROGRAMS_$(1)/$(3)),$(eval $(call link_rule,$(2)/$(3)/$(p),$(call objects_of,$(2),$(3),$(SOURCES_$(1)/$(3)_$(p))) $(LIB_AR),$(LIBS_$(1)/$(3)_$(p)))))
$(4)_$(3) := $(addprefix $(2)/$(3)/,$(PROGRAMS_$(1)/$(3)))
$(4) += $$($(4)_$(3))
endef
# $(call skel_rules,SLUG): build/skel/SLUG, the skeleton of SLUG linked with
# the solutions of the earlier lessons' files it reuses.
define skel_rules
$(foreach p,$(PROGRAMS_lessons/$(1)),$(eval $(call link_rule,build/skel/$(1)/$(p),$(call skel_objects_of,$(1),$(SOURCES_lessons/$(1)_$(p))) $(LIB_AR),$(LIBS_lessons/$(1)_$(p)))))
SKEL_PROGS_$(1) := $(addprefix build/skel/$(1)/,$(PROGRAMS_lessons/$(1)))
endef

$(foreach d,$(addprefix lessons/,$(LESSONS)) $(HAVE_SOLUTIONS),$(eval $(call read_lesson,$(d))))
$(eval $(call compile_rule,lessons,build/lessons))
$(eval $(call compile_rule,solutions,build/sol))
LESSON_PROGS :=
SOLUTION_PROGS :=
$(foreach l,$(LESSONS),$(eval $(call lesson_rules,lessons,build/lessons,$(l),LESSON_PROGS)))
$(foreach l,$(SOLUTIONS),$(eval $(call lesson_rules,solutions,build/sol,$(l),SOLUTION_PROGS)))
$(foreach l,$(filter $(SOLUTIONS),$(LESSONS)),$(eval $(call skel_rules,$(l))))

# The shell commands that build lesson L's programs from the sources in SRC
# into OUT (both folders), reusing the solution's object of each file that
# SRC has unchanged when no header changed: $(call build_from,L,SRC,OUT).
# An earlier lesson's file (../NN-slug/FILE.c) is never in SRC: the
# solution's object of it is linked. For mutants (below), and for any tool
# that builds a variant of a solution.
define build_from
reuse=1; for h in solutions/$(1)/*.h; do [ ! -e "$$h" ] || cmp -s "$$h" $(2)/$${h##*/} || reuse=0; done; \
for c in $(sort $(filter-out ../%,$(foreach p,$(PROGRAMS_solutions/$(1)),$(SOURCES_solutions/$(1)_$(p))))); do \
  o=$(3)/$${c%.c}.o; \
  if [ $$reuse = 1 ] && [ -e build/sol/$(1)/$${c%.c}.o ] && cmp -s solutions/$(1)/$$c $(2)/$$c; then cp build/sol/$(1)/$${c%.c}.o $$o; \
  else $(CC) $(CFLAGS) -I$(2) -Isolutions/$(1) -Ilib -c $(2)/$$c -o $$o || exit 1; fi; \
done$(foreach p,$(PROGRAMS_solutions/$(1)), && \
$(CC) $(LDFLAGS) $(foreach s,$(SOURCES_solutions/$(1)_$(p)),$(if $(filter ../%,$(s)),build/sol/$(patsubst ../%.c,%.o,$(s)),$(3)/$(s:.c=.o))) $(LIB_AR) $(LIBS_solutions/$(1)_$(p)) -o $(3)/$(p))
endef

# ---- mutants: known-buggy copies of a solution (tests/mutants/NN-slug/*.patch)

# $(call mutant_rules,LESSON): build/mutants/LESSON/NAME/ holds the programs
# of the solution with NAME.patch applied (its sources in src/). One pattern
# rule per lesson, whatever the number of mutants.
define mutant_rules
MUTANT_PROGS_$(1) := $(patsubst tests/mutants/%.patch,build/mutants/%/.built,$(wildcard tests/mutants/$(1)/*.patch))
build/mutants/$(1)/%/.built: tests/mutants/$(1)/%.patch $(wildcard solutions/$(1)/*) $(SOLUTION_PROGS_$(1)) $$(FLAGS_STAMP)
	@$$(if $$(Q),echo "  MUTANT  $(1)/$$*")
	@rm -rf $$(@D) && mkdir -p $$(@D)/src && cp solutions/$(1)/* $$(@D)/src/
	@patch -s -p1 -d $$(@D)/src < $$< || { echo "mutant $(1)/$$*: the patch does not apply to solutions/$(1)" >&2; exit 1; }
	$$(Q)$$(call build_from,$(1),$$(@D)/src,$$(@D))
	@touch $$@
endef
$(foreach l,$(filter $(SOLUTIONS),$(LESSONS)),$(eval $(call mutant_rules,$(l))))

# ---- the grader and the tools ----------------------------------------------

# The tests need Criterion: say so in one line when it is missing.
CRITERION_OK := build/.criterion-ok
$(CRITERION_OK):
	@mkdir -p $(@D)
	@printf '#include <criterion/criterion.h>\nTest(socklab, criterion_works) {}\n' | \
	  $(CC) -x c - -lcriterion -o build/.criterion-check >/dev/null 2>&1 || \
	  { echo "Criterion, the library the tests are written with, is not installed: run make deps" >&2; exit 1; }
	@rm -f build/.criterion-check && touch $@

TEST_CFLAGS = $(CFLAGS) -Itests
build/tests/%.o: tests/%.c $(FLAGS_STAMP) | $(CRITERION_OK)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -c $< -o $@
HARNESS_OBJS := $(patsubst tests/%.c,build/tests/%.o,$(wildcard tests/harness/*.c))
build/tests/%: build/tests/%.o $(HARNESS_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) $^ -lcriterion -o $@
TEST_BINS := $(addprefix build/tests/,$(LESSONS))

build/tools/%: tools/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) $< $(TOOL_LDLIBS_$*) -o $@
# A tool in a folder: tools/NAME/*.c linked into build/tools/NAME.
$(eval $(call compile_rule,tools,build/tools/.obj))
TOOL_DIRS := $(filter-out preload,$(sort $(patsubst tools/%/,%,$(dir $(wildcard tools/*/*.c)))))
$(foreach t,$(TOOL_DIRS),$(eval $(call link_rule,build/tools/$(t),$(patsubst tools/%.c,build/tools/.obj/%.o,$(wildcard tools/$(t)/*.c)),$(TOOL_LDLIBS_$(t)))))
# A library the tests preload into a program: tools/preload/NAME.c is
# build/tools/NAME.so. Never sanitized itself (it goes into programs built
# with or without SAN=1; under SAN=1 it calls on to ASan's interceptors).
PRELOAD_CFLAGS = $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS)) -fPIC -shared
build/tools/%.so: tools/preload/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(PRELOAD_CFLAGS) $(DEPFLAGS) $< -ldl -o $@
PRELOADS := $(patsubst tools/preload/%.c,build/tools/%.so,$(wildcard tools/preload/*.c))
TOOLS := $(addprefix build/tools/,$(basename $(notdir $(wildcard tools/*.c))) $(TOOL_DIRS)) $(PRELOADS)

.SECONDARY:
# (less the dependencies of a one-file tool that became a folder, as tools/grade.c did: stale)
-include $(filter-out $(TOOL_DIRS:%=build/tools/%.d),$(wildcard build/lessons/*/*.d build/sol/*/*.d build/tests/*.d build/tests/*/*.d build/tools/*.d build/tools/.obj/*/*.d))
# ---- targets -------------------------------------------------------------------
#
# A help line is the "## " comment after a target; "## [course]" marks one that
# needs the course repository (solutions/): the students' repository's
# `make help` leaves those out. @L@ in a help line is a lesson that exists.

.PHONY: all lessons solutions grade test watch skeletons check-skeletons deps deps-pdf clean help \
	book book-check student-repo gradescope fuzz format check-format bench attacks flake

all: $(TOOLS) $(TEST_BINS) $(LESSON_PROGS) $(SOLUTION_PROGS) $(foreach l,$(LESSONS),$(SKEL_PROGS_$(l))) ## build everything: the lessons' programs, the tests, the tools

lessons: $(foreach l,$(SEL),$(LESSON_PROGS_$(l))) ## build your lessons' programs (L=NN for one)

solutions: $(foreach l,$(SEL),$(SOLUTION_PROGS_$(l))) ## [course] build the reference solutions

# Grading builds each lesson on its own, so that one that does not compile
# is reported and the others are still graded: its compiler output goes to
# build/compile/NN-slug.log and its programs are removed (no stale program is
# ever graded); grade scores it 0 and shows the first error. CLASSROOM_OUT=FILE
# appends GitHub Classroom's per-test result line to FILE (the workflow).
grade: $(TOOLS) $(addprefix build/tests/,$(SEL)) ## grade your lessons: make grade, or make grade L=@L@ (STRICT=1: fail unless all pass)
	@mkdir -p build/compile; for l in $(SEL); do \
	  if $(MAKE) --no-print-directory -s lessons L=$$l >/dev/null 2>build/compile/$$l.log; then rm -f build/compile/$$l.log; \
	  else rm -rf build/lessons/$$l; fi; \
	done
	@build/tools/grade --compile-logs build/compile $(if $(L),--detail) $(if $(filter 1,$(STRICT)),--strict) \
	  $(if $(CLASSROOM_OUT),--classroom "$(CLASSROOM_OUT)") $(SEL)

ifeq ($(HAVE_SOLUTIONS),)
# A students' repository (make student-repo) has no solutions/: nothing to prove.
test: ## [course] prove the course with its reference solutions
	@echo "make test proves the course with its reference solutions (solutions/), which this repository does not have." >&2
	@echo "To grade your work: make grade L=NN for one lesson, make grade for all of them." >&2
	@exit 2
else
# make test runs three things side by side: the selftest and the checks
# before it, which mostly wait (for a deadline a mutant misses, a peer); the
# book's check, which mostly drives a browser; and the attacks, which only
# compute. The book's check and the attacks write logs (build/book-check.log,
# build/attacks-check.log), printed after the selftest's report, so that its lines
# stay together. A failed step still waits for the others, whose reports are
# printed all the same.
SIDE_CHECKS = $(if $(L),,$(if $(wildcard tools/book.sh),book) $(if $(wildcard tools/attacks.sh),attacks))
test: check-skeletons check-format $(TOOLS) $(addprefix build/tests/,$(SEL)) build/tests/selftest-harness \
      $(foreach l,$(SEL),$(LESSON_PROGS_$(l)) $(SOLUTION_PROGS_$(l)) $(SKEL_PROGS_$(l)) $(MUTANT_PROGS_$(l))) ## [course] prove the course: solutions pass, skeletons and mutants fail
	@rm -f $(foreach c,book attacks,build/$(c)-check.log build/$(c)-check.rc); rc=0; \
	  $(if $(SIDE_CHECKS),echo "make test: the $(subst $(eval) , and ,$(strip $(SIDE_CHECKS))) checks run beside the selftest; their reports follow it";) \
	  $(MAKE) --no-print-directory -j3 test-checks $(addprefix test-side-,$(SIDE_CHECKS)) || rc=$$?; \
	  for c in $(SIDE_CHECKS); do [ -f build/$$c-check.rc ] || { echo "make test: the $$c check did not run" >&2; rc=1; continue; }; \
	    cat build/$$c-check.log; [ "$$(cat build/$$c-check.rc)" = 0 ] || rc=1; done; exit $$rc

# The selftest's test programs make their temporary folders under one folder
# of this run (TMPDIR), removed when it ends: a test killed before its own
# clean-up (--fail-fast on mutants) leaves nothing in /tmp.
.PHONY: test-checks test-side-book test-side-attacks
test-checks:
	@if [ -x tools/fuzz.sh ] && [ -z "$(L)" ]; then tools/fuzz.sh regress; fi
	@build/tests/selftest-harness >build/selftest-harness.log 2>&1 && echo "harness: selftest passed (10 MiB through cat, floods, peers, hostile peers, faultio, the wire)" || { tail -30 build/selftest-harness.log; exit 1; }
	@if [ -x tools/student-repo.sh ] && [ -z "$(L)" ]; then tools/student-repo.sh --check; fi
	@run=$$(mktemp -d "$${TMPDIR:-/tmp}/socklab-run.XXXXXX") && chmod 1777 "$$run" || exit 1; \
	  TMPDIR=$$run build/tools/grade --selftest $(SEL); rc=$$?; rm -rf "$$run"; exit $$rc

# Each always succeeds, so that a failed side check does not stop the others:
# make test reads build/NAME-check.rc.
test-side-book:
	@tools/book.sh check > build/book-check.log 2>&1; echo $$? > build/book-check.rc
test-side-attacks:
	@SAN=$(SAN) nice -n 19 tools/attacks.sh > build/attacks-check.log 2>&1; echo $$? > build/attacks-check.rc
endif

attacks: $(TOOLS) $(TEST_BINS) ## [course] grade the hostile submissions of tests/attacks/: none may score, leave a process or a file
	@test -x tools/attacks.sh || { echo "make attacks runs in the course repository, not here" >&2; exit 2; }
	@SAN=$(SAN) tools/attacks.sh

# Generated mutants (tools/mutate.c): each a copy of a solution with one
# change, graded by the lesson's tests. SAMPLE=N grades a seeded sample
# (SEED=S), J=N runs N at once, STRICT=1 fails a lesson under 90%,
# ONLY=FILE grades just the ids FILE lists (ONLY=build/mutation/NN-slug/
# survivors.txt re-grades the last run's survivors after a new test).
.PHONY: mutation
ifeq ($(HAVE_SOLUTIONS),)
mutation:
	@echo "make mutation runs in the course repository (with solutions/), not here" >&2; exit 2
else
mutation: build/tools/mutate $(addprefix build/tests/,$(SEL)) $(foreach l,$(SEL),$(SOLUTION_PROGS_$(l))) ## [course] mutation score of each lesson's tests: make mutation [L=NN] [SAMPLE=N] [STRICT=1]
	@build/tools/mutate -j $(or $(J),$(shell nproc)) --cc '$(CC)' --cflags '$(CFLAGS) -Ilib' --ldflags '$(LDFLAGS)' \
	  $(foreach l,$(filter $(SEL),$(SOLUTIONS)),$(foreach p,$(PROGRAMS_solutions/$(l)),--program '$(l)/$(p)=$(SOURCES_solutions/$(l)_$(p));$(LIB_AR) $(LIBS_solutions/$(l)_$(p))')) \
	  $(if $(SAMPLE),--sample $(SAMPLE)) $(if $(SEED),--seed $(SEED)) $(if $(ONLY),--only '$(ONLY)') $(if $(filter 1,$(STRICT)),--strict) \
	  $(filter $(SEL),$(HAVE_SOLUTIONS:solutions/%=%))
endif

watch: ## regrade one lesson on every save: make watch L=@L@
	@test -n "$(L)" || { echo "usage: make watch L=NN (one of: $(foreach l,$(LESSONS),$(firstword $(subst -, ,$(l)))))" >&2; exit 2; }
	@tools/watch.sh $(firstword $(SEL))

flake: ## [course] run make test N times (N=20), then two at once; list what failed
	@tools/flake.sh $(or $(N),20)

# lessons/NN-slug/Makefile: `make grade` (watch, lessons ...) in a lesson's
# folder runs that target of this Makefile for that lesson.
define LESSON_MAKEFILE
# Run make in this lesson's folder: `make grade`, `make watch`, or `make` to
# build it. Each runs the course's Makefile (two folders up) for this lesson.
# Written by `make skeletons`: edit the template in the course Makefile.
LESSON_NN := $$(firstword $$(subst -, ,$$(notdir $$(CURDIR))))
.DEFAULT_GOAL := lessons
Makefile lesson.mk: ;
%:
	@$$(MAKE) --no-print-directory -C ../.. $$@ L=$$(LESSON_NN)
endef
export LESSON_MAKEFILE

skeletons: build/tools/skelgen ## [course] write lessons/ from solutions/ (drops the solution regions)
	@for d in $(HAVE_SOLUTIONS); do l=$${d#solutions/}; mkdir -p lessons/$$l; \
	  for f in $$d/*.c $$d/*.h; do [ -e "$$f" ] || continue; \
	    build/tools/skelgen $$f lessons/$$l/$${f##*/} || exit 1; done; \
	  cmp -s $$d/lesson.mk lessons/$$l/lesson.mk || cp $$d/lesson.mk lessons/$$l/lesson.mk || exit 1; \
	  printf '%s\n' "$$LESSON_MAKEFILE" | cmp -s - lessons/$$l/Makefile || \
	    printf '%s\n' "$$LESSON_MAKEFILE" > lessons/$$l/Makefile || exit 1; \
	done
	@echo "skeletons written to lessons/"

# Every .c file of a lesson must be part of a program (else a student's work
# in it would never be built), and every program must have its sources.
lesson_mk_problems = $(foreach p,$(PROGRAMS_$(1)),$(foreach c,$(SOURCES_$(1)_$(p)),$(if $(wildcard $(1)/$(c)),,$(1)/lesson.mk: $(p) is made of $(c), which is not there;))) \
	$(foreach c,$(filter-out $(foreach p,$(PROGRAMS_$(1)),$(SOURCES_$(1)_$(p))),$(notdir $(wildcard $(1)/*.c))),$(1)/$(c) is in no program of $(1)/lesson.mk;)

check-skeletons: build/tools/skelgen ## [course] fail when a committed skeleton is stale or shows a solution
	@ok=1; for d in $(filter $(addprefix solutions/,$(SEL)),$(HAVE_SOLUTIONS)); do l=$${d#solutions/}; \
	  for f in $$d/*.c $$d/*.h; do [ -e "$$f" ] || continue; \
	    build/tools/skelgen --check $$f lessons/$$l/$${f##*/} || ok=0; done; \
	  for f in lessons/$$l/*.c lessons/$$l/*.h; do [ -e "$$f" ] || continue; \
	    [ -e "$$d/$${f##*/}" ] || { echo "check-skeletons: $$f has no solution counterpart $$d/$${f##*/}" >&2; ok=0; }; done; \
	  cmp -s $$d/lesson.mk lessons/$$l/lesson.mk || { echo "check-skeletons: lessons/$$l/lesson.mk differs from $$d/lesson.mk (make skeletons)" >&2; ok=0; }; \
	  printf '%s\n' "$$LESSON_MAKEFILE" | cmp -s - lessons/$$l/Makefile || { echo "check-skeletons: lessons/$$l/Makefile is stale (make skeletons)" >&2; ok=0; }; \
	done; \
	problems='$(strip $(foreach l,$(filter $(SOLUTIONS),$(SEL)),$(call lesson_mk_problems,solutions/$(l))))'; \
	if [ -n "$$problems" ]; then tr ';' '\n' <<<"$$problems" | sed '/^ *$$/d; s/^ */check-skeletons: /' >&2; ok=0; fi; \
	if grep -rlE 'BEGIN SOLUTION|END SOLUTION' lessons >/dev/null 2>&1; then \
	  echo "check-skeletons: solution markers in: $$(grep -rlE 'BEGIN SOLUTION|END SOLUTION' lessons)" >&2; ok=0; fi; \
	[ $$ok = 1 ] && echo "skeletons are fresh"

# Debian package names. The real peers (the programs the tests talk to) are
# tests/peers.txt's second column; DEPS_TOOLS are the ones the chapters ask
# readers to run. `make -s deps-list` prints what make deps installs.
DEPS_BUILD := gcc make libcriterion-dev patch pkg-config inotify-tools clang-format
DEPS_FUZZ := clang libclang-rt-dev
DEPS_PEERS = $(shell sed -e 's/\#.*//' tests/peers.txt 2>/dev/null | awk 'NF >= 2 { print $$2 }' | sort -u)
DEPS_TOOLS := strace lsof valgrind tcpdump tshark gnuplot-nox
DEPS_BOOK := pandoc graphviz chromium epubcheck default-jre-headless fonts-liberation2 fonts-dejavu-core
DEPS_PDF := texlive-xetex texlive-fonts-recommended lmodern
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)
# Non-interactive: debconf takes each default (tshark's "may non-root users
# capture packets?" is no), and a changed config file is kept.
APT = $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
deps: ## install what the course needs (Debian/Ubuntu, apt-get)
	@command -v apt-get >/dev/null || { echo "make deps: needs apt-get (Debian or Ubuntu); elsewhere use the dev container" >&2; exit 1; }
	@test -f tests/peers.txt || { echo "make deps: tests/peers.txt is missing: it lists the real peers to install" >&2; exit 1; }
	@echo "make deps: installing $(sort $(DEPS_BUILD) $(DEPS_FUZZ) $(DEPS_PEERS) $(DEPS_TOOLS)) and the book's tools"
	$(APT) update -qq
	$(APT) install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	  $(sort $(DEPS_BUILD) $(DEPS_FUZZ) $(DEPS_PEERS) $(DEPS_TOOLS)) >/dev/null
	@book=""; for p in $(DEPS_BOOK); do \
	  if apt-cache policy $$p 2>/dev/null | grep -q 'Candidate: [0-9]'; then book="$$book $$p"; \
	  else hint=""; [ $$p != chromium ] || hint=" (on Ubuntu: sudo snap install chromium)"; \
	    echo "make deps: $$p is not a package here; the book needs it$$hint"; fi; \
	done; [ -z "$$book" ] || $(APT) install -y -qq --no-install-recommends $$book >/dev/null
	@echo "make deps: done"

deps-list: ## [course] print the packages grading needs (the compiler, Criterion, the peers)
	@echo $(sort $(DEPS_BUILD) $(DEPS_PEERS))

deps-pdf: ## install a LaTeX engine, so that make book also writes the PDF
	@echo "make deps-pdf: installing $(DEPS_PDF)"
	$(APT) install -y -qq --no-install-recommends $(DEPS_PDF) >/dev/null

book: ## build the book (HTML, EPUB; PDF with LaTeX) into build/book/
	@tools/book.sh build

book-check: ## [course] build the book and check links, images, solutions and the EPUB
	@tools/book.sh check

student-repo: ## [course] write the students' repository: make student-repo DIR=../socklab-student
	@test -n "$(DIR)" || { echo "usage: make student-repo DIR=path (a new or empty directory)" >&2; exit 2; }
	@test -x tools/student-repo.sh || { echo "make student-repo runs in the course repository (with solutions/), not here" >&2; exit 2; }
	@tools/student-repo.sh "$(DIR)"

gradescope: ## [course] build the Gradescope autograder zip into build/gradescope/
	@test -x tools/gradescope.sh || { echo "make gradescope runs in the course repository (with solutions/), not here" >&2; exit 2; }
	@tools/gradescope.sh

fuzz: ## [course] fuzz every parser the course ships, FUZZ_SECONDS each (default 30)
	@test -x tools/fuzz.sh || { echo "make fuzz runs in the course repository (with solutions/), not here" >&2; exit 2; }
	@tools/fuzz.sh run $(or $(FUZZ_SECONDS),30)

bench: ## run the benchmarks the chapters quote: CSV and plots in build/bench/
	@mkdir -p build/bench
	@found=0; for b in bench/*.sh; do [ -x "$$b" ] || continue; found=1; echo "bench: $$b"; "$$b" build/bench || exit 1; done; \
	if [ $$found = 0 ]; then echo "make bench: no benchmark yet; they arrive with lessons 07, 11, 12 and 14 (bench/*.sh)"; fi

C_SOURCES = $(wildcard tests/*.c tests/*.h tests/harness/*.c tests/harness/*.h tests/fuzz/*.c tools/*.c tools/*/*.c tools/*/*.h lib/*.c lib/*.h solutions/*/*.c solutions/*/*.h)
format: build/tools/skelgen ## [course] apply .clang-format to the course's C, then rewrite the skeletons
	@clang-format -i $(C_SOURCES) && $(MAKE) --no-print-directory -s skeletons
	@echo "formatted; mutant patches whose context changed need remaking (tests/README.md)"

check-format: ## [course] fail when a C file is not as .clang-format says
	@if command -v clang-format >/dev/null; then clang-format --dry-run --Werror $(C_SOURCES) && echo "format is clean"; \
	else echo "check-format: skipped, clang-format is not installed (make deps)"; fi

clean: ## remove build/
	rm -rf build

EXAMPLE_L = $(firstword $(subst -, ,$(lastword $(LESSONS))))
help: ## list the targets
	@echo "socklab - make TARGET [L=NN] [SAN=1] [V=1]"
	@grep -hE '^[a-z-]+:.*## ' Makefile | grep -v '## \[course\]' | \
	  sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/; s/@L@/$(EXAMPLE_L)/g' | expand -t 20
	@echo "  L=NN selects one lesson ($(foreach l,$(LESSONS),$(firstword $(subst -, ,$(l))))); SAN=1 builds with ASan+UBSan; V=1 shows commands."
	@echo "  In a lesson's folder, make grade (or watch ...) works on that lesson."
ifneq ($(HAVE_SOLUTIONS),)
	@echo; echo "For the course's authors (this repository has solutions/):"
	@grep -hE '^[a-z-]+:.*## \[course\] ' Makefile | \
	  sed -E 's/^([a-z-]+):.*## \[course\] (.*)/  \1\t\2/; s/@L@/$(EXAMPLE_L)/g' | expand -t 20
endif
