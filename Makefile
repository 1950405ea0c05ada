# socklab - the course's one Makefile. `make help` lists the targets.
#
# Layout: lessons/NN-slug (what students edit), solutions/NN-slug (the
# reference, source of the skeletons), tests/ (the grader), tools/, book/,
# diagrams/. Everything built goes under build/.
#
# In a lesson directory, a .c file that defines `int main(` is a program
# (one executable named after the file); every other .c file is a module
# linked into each program of that lesson.

.DEFAULT_GOAL := all
SHELL := /bin/bash

CC ?= cc
CFLAGS := -std=c17 -Wall -Wextra -Werror -O1 -g
LDFLAGS :=
LDLIBS :=
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
SEL := $(filter $(L) $(L)-%,$(LESSONS))
ifeq ($(SEL),)
$(error no lesson matches L=$(L); the lessons are: $(LESSONS))
endif
else
SEL := $(LESSONS)
endif
HAVE_SOLUTIONS := $(wildcard solutions/[0-9][0-9]-*)

# $(call progs_in,DIR): the programs of a lesson directory.
MAIN_RE := ^int main[(]
progs_in = $(basename $(notdir $(shell grep -l '$(MAIN_RE)' $(1)/*.c 2>/dev/null)))

# $(call program_rules,SRCDIR,OUTDIR,SOURCES,PROGS): compile SOURCES (file
# names) of SRCDIR into OUTDIR and link each of PROGS with the modules.
define program_rules
$(2)/%.o: $(1)/%.c $(FLAGS_STAMP)
	@mkdir -p $$(@D)
	@$$(if $(Q),echo "  CC      $$<")
	$(Q)$$(CC) $$(CFLAGS) $$(DEPFLAGS) -I$(1) -c $$< -o $$@
$(foreach p,$(4),$(eval $(call link_rule,$(2)/$(p),$(2)/$(p).o $(patsubst %.c,$(2)/%.o,$(filter-out $(addsuffix .c,$(4)),$(filter %.c,$(3)))))))
endef

# $(call link_rule,PROGRAM,OBJECTS)
define link_rule
$(1): $(2)
	@$$(if $(Q),echo "  LD      $$@")
	$(Q)$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@
endef

lesson_sources = $(notdir $(wildcard $(1)/*.c))
LESSON_PROGS :=
SOLUTION_PROGS :=
$(foreach l,$(LESSONS),$(eval $(call program_rules,lessons/$(l),build/lessons/$(l),$(call lesson_sources,lessons/$(l)),$(call progs_in,lessons/$(l)))))
$(foreach l,$(LESSONS),$(eval LESSON_PROGS_$(l) := $(addprefix build/lessons/$(l)/,$(call progs_in,lessons/$(l)))))
$(foreach l,$(LESSONS),$(eval LESSON_PROGS += $(LESSON_PROGS_$(l))))
$(foreach l,$(HAVE_SOLUTIONS:solutions/%=%),$(eval $(call program_rules,solutions/$(l),build/sol/$(l),$(call lesson_sources,solutions/$(l)),$(call progs_in,solutions/$(l)))))
$(foreach l,$(HAVE_SOLUTIONS:solutions/%=%),$(eval SOLUTION_PROGS_$(l) := $(addprefix build/sol/$(l)/,$(call progs_in,solutions/$(l)))))
$(foreach l,$(HAVE_SOLUTIONS:solutions/%=%),$(eval SOLUTION_PROGS += $(SOLUTION_PROGS_$(l))))

# ---- mutants: known-buggy copies of a solution (tests/mutants/NN-slug/*.patch)

# $(call mutant_rules,LESSON,NAME)
define mutant_rules
build/mutants/$(1)/$(2)/src/.stamp: tests/mutants/$(1)/$(2).patch $(wildcard solutions/$(1)/*)
	@rm -rf $$(@D) && mkdir -p $$(@D) && cp solutions/$(1)/* $$(@D)/
	@patch -s -p1 -d $$(@D) < $$< || { echo "mutant $(1)/$(2): the patch does not apply to solutions/$(1)" >&2; exit 1; }
	@touch $$@
$(addprefix build/mutants/$(1)/$(2)/src/,$(call lesson_sources,solutions/$(1))): build/mutants/$(1)/$(2)/src/.stamp ;
$(call program_rules,build/mutants/$(1)/$(2)/src,build/mutants/$(1)/$(2),$(call lesson_sources,solutions/$(1)),$(call progs_in,solutions/$(1)))
MUTANT_PROGS_$(1) += $(addprefix build/mutants/$(1)/$(2)/,$(call progs_in,solutions/$(1)))
endef
mutants_of = $(basename $(notdir $(wildcard tests/mutants/$(1)/*.patch)))
$(foreach l,$(LESSONS),$(foreach m,$(call mutants_of,$(l)),$(eval $(call mutant_rules,$(l),$(m)))))

# ---- the grader and the tools ----------------------------------------------

TEST_CFLAGS = $(CFLAGS) -Itests
build/tests/%.o: tests/%.c $(FLAGS_STAMP)
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
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) $< -o $@
TOOLS := build/tools/grade build/tools/skelgen build/tools/deny-userns

.SECONDARY:
-include $(shell find build -name '*.d' 2>/dev/null)

# ---- targets -------------------------------------------------------------------

.PHONY: all lessons solutions grade test watch skeletons check-skeletons deps deps-pdf clean help \
	book book-check student-repo gradescope fuzz format check-format bench

all: $(TOOLS) $(TEST_BINS) $(LESSON_PROGS) $(SOLUTION_PROGS) ## build everything (lessons, solutions, grader)

lessons: $(foreach l,$(SEL),$(LESSON_PROGS_$(l))) ## build the lessons' programs (L=NN for one)

solutions: $(foreach l,$(SEL),$(SOLUTION_PROGS_$(l))) ## build the reference solutions

# Grading builds each lesson on its own, so that one that does not compile
# is reported and the others are still graded.
grade: $(TOOLS) $(addprefix build/tests/,$(SEL)) ## grade your lessons: make grade, or make grade L=04 (STRICT=1: fail unless all pass)
	@for l in $(SEL); do \
	  $(MAKE) --no-print-directory -s lessons L=$$l >/dev/null 2>build/.compile-$$l.log || \
	  { echo; echo "Lesson $$l does not compile:"; sed 's/^/    /' build/.compile-$$l.log | head -30; }; \
	done
	@build/tools/grade $(if $(L),--detail) $(if $(filter 1,$(STRICT)),--strict) $(SEL)

ifeq ($(HAVE_SOLUTIONS),)
# A students' repository (make student-repo) has no solutions/: nothing to prove.
test: ## prove the course with its reference solutions (the course repository only)
	@echo "make test proves the course with its reference solutions (solutions/), which this repository does not have." >&2
	@echo "To grade your work: make grade L=NN for one lesson, make grade for all of them." >&2
	@exit 2
else
test: check-skeletons check-format $(TOOLS) $(addprefix build/tests/,$(SEL)) \
      $(foreach l,$(SEL),$(LESSON_PROGS_$(l)) $(SOLUTION_PROGS_$(l)) $(MUTANT_PROGS_$(l))) ## prove the course: solutions pass, skeletons and mutants fail
	@if [ -x tools/book.sh ] && [ -z "$(L)" ]; then tools/book.sh check; fi
	@if [ -x tools/fuzz.sh ] && [ -z "$(L)" ]; then tools/fuzz.sh regress; fi
	@if [ -x tools/student-repo.sh ] && [ -z "$(L)" ]; then tools/student-repo.sh --check; fi
	@build/tools/grade --selftest $(SEL)
endif

watch: ## regrade one lesson on every save: make watch L=04
	@test -n "$(L)" || { echo "usage: make watch L=NN" >&2; exit 2; }
	@tools/watch.sh $(firstword $(SEL))

skeletons: build/tools/skelgen ## write lessons/ from solutions/ (drops the solution regions)
	@for d in $(HAVE_SOLUTIONS); do l=$${d#solutions/}; mkdir -p lessons/$$l; \
	  for f in $$d/*.c $$d/*.h; do [ -e "$$f" ] || continue; \
	    build/tools/skelgen $$f lessons/$$l/$${f##*/} || exit 1; done; done
	@echo "skeletons written to lessons/"

check-skeletons: build/tools/skelgen ## fail when a committed skeleton is stale or shows a solution
	@ok=1; for d in $(filter $(addprefix solutions/,$(SEL)),$(HAVE_SOLUTIONS)); do l=$${d#solutions/}; \
	  for f in $$d/*.c $$d/*.h; do [ -e "$$f" ] || continue; \
	    build/tools/skelgen --check $$f lessons/$$l/$${f##*/} || ok=0; done; \
	  for f in lessons/$$l/*.c lessons/$$l/*.h; do [ -e "$$f" ] || continue; \
	    [ -e "$$d/$${f##*/}" ] || { echo "check-skeletons: $$f has no solution counterpart $$d/$${f##*/}" >&2; ok=0; }; done; \
	done; \
	if grep -rlE 'BEGIN SOLUTION|END SOLUTION' lessons >/dev/null 2>&1; then \
	  echo "check-skeletons: solution markers in: $$(grep -rlE 'BEGIN SOLUTION|END SOLUTION' lessons)" >&2; ok=0; fi; \
	[ $$ok = 1 ] && echo "skeletons are fresh"

# Debian package names. The real peers are the programs the tests talk to.
DEPS_BUILD := gcc make libcriterion-dev patch pkg-config inotify-tools clang-format
DEPS_FUZZ := clang libclang-rt-dev
DEPS_PEERS := socat ncat iproute2 iputils-ping libc-bin openssl strace lsof valgrind tcpdump tshark
DEPS_BOOK := pandoc graphviz chromium epubcheck default-jre-headless fonts-liberation2 fonts-dejavu-core
DEPS_PDF := texlive-xetex texlive-fonts-recommended lmodern
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
deps: ## install what the course needs (Debian/Ubuntu, apt-get)
	@command -v apt-get >/dev/null || { echo "make deps: needs apt-get (Debian or Ubuntu); elsewhere use the dev container" >&2; exit 1; }
	@echo "make deps: installing $(DEPS_BUILD) $(DEPS_FUZZ) $(DEPS_PEERS) $(DEPS_BOOK)"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  $(DEPS_BUILD) $(DEPS_FUZZ) $(DEPS_PEERS) >/dev/null
	@book=""; for p in $(DEPS_BOOK); do \
	  if apt-cache policy $$p 2>/dev/null | grep -q 'Candidate: [0-9]'; then book="$$book $$p"; \
	  else hint=""; [ $$p != chromium ] || hint=" (on Ubuntu: sudo snap install chromium)"; \
	    echo "make deps: $$p is not a package here; the book needs it$$hint"; fi; \
	done; [ -z "$$book" ] || $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$book >/dev/null
	@echo "make deps: done"

deps-pdf: ## install a LaTeX engine, so that make book also writes the PDF
	@echo "make deps-pdf: installing $(DEPS_PDF)"
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEPS_PDF) >/dev/null

book: ## build the book (HTML, EPUB; PDF with LaTeX) into build/book/
	@tools/book.sh build

book-check: ## build the book and check links, images, solutions and the EPUB
	@tools/book.sh check

student-repo: ## write the students' repository: make student-repo DIR=../socklab-student
	@test -n "$(DIR)" || { echo "usage: make student-repo DIR=path (a new or empty directory)" >&2; exit 2; }
	@test -x tools/student-repo.sh || { echo "make student-repo runs in the course repository (with solutions/), not here" >&2; exit 2; }
	@tools/student-repo.sh "$(DIR)"

gradescope: ## build the Gradescope autograder zip into build/gradescope/
	@test -x tools/gradescope.sh || { echo "make gradescope runs in the course repository (with solutions/), not here" >&2; exit 2; }
	@tools/gradescope.sh

fuzz: ## fuzz every parser the course ships, FUZZ_SECONDS each (default 30)
	@test -x tools/fuzz.sh || { echo "make fuzz runs in the course repository (with solutions/), not here" >&2; exit 2; }
	@tools/fuzz.sh run $(or $(FUZZ_SECONDS),30)

bench: ## run the benchmarks the chapters quote: CSV and plots in build/bench/
	@mkdir -p build/bench
	@found=0; for b in bench/*.sh; do [ -x "$$b" ] || continue; found=1; echo "bench: $$b"; "$$b" build/bench || exit 1; done; \
	if [ $$found = 0 ]; then echo "make bench: no benchmark yet; they arrive with lessons 07, 11, 12 and 14 (bench/*.sh)"; fi

C_SOURCES = $(wildcard tests/*.c tests/*.h tests/harness/*.c tests/harness/*.h tests/fuzz/*.c tools/*.c solutions/*/*.c solutions/*/*.h)
format: build/tools/skelgen ## apply .clang-format to the course's C, then rewrite the skeletons
	@clang-format -i $(C_SOURCES) && $(MAKE) --no-print-directory -s skeletons
	@echo "formatted; mutant patches whose context changed need remaking (tests/README.md)"

check-format: ## fail when a C file is not as .clang-format says
	@if command -v clang-format >/dev/null; then clang-format --dry-run --Werror $(C_SOURCES) && echo "format is clean"; \
	else echo "check-format: skipped, clang-format is not installed (make deps)"; fi

clean: ## remove build/
	rm -rf build

help: ## list the targets
	@echo "socklab - make TARGET [L=NN] [SAN=1] [V=1]"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  \1\t\2/' | expand -t 20
	@echo "  L=NN selects one lesson; SAN=1 builds with ASan+UBSan; V=1 shows commands."
