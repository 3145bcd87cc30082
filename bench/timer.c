/* bench/timer: time commands in one measuring process, interleaved.

   Usage: timer ROUNDS WARMUP @NAME CMD [ARG...] [@NAME CMD [ARG...]]...

   Each argument starting with '@' begins a new command named after it.
   WARMUP rounds are run first and not recorded; then ROUNDS rounds, each
   running every command once in a freshly shuffled order, so drift in the
   machine's state (frequency, caches, a background job) spreads evenly over
   all commands instead of favouring whichever runs first.

   Each launch is timed with CLOCK_MONOTONIC from just before posix_spawn()
   to just after waitpid() returns: no shell, no fork of a large process.
   Commands run with stdin, stdout and stderr on /dev/null. A command that
   exits non-zero or writes to stderr in its first warm-up run aborts the
   benchmark: a failing launch is fast, and a warning costs time the others
   do not spend.

   Besides the wall-clock time, each launch's CPU time (user + system of all
   its processes, including any it leaves running: bench/cpu.h) is recorded:
   on a busy machine wall-clock times include waiting for a CPU, CPU times
   much less so.

   Output, one line per command, in argument order (times in microseconds):
     NAME N MEDIAN P10 P90 MIN MAX CPU_MEDIAN CPU_P10 CPU_P90 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cpu.h"

extern char **environ;

struct command {
   const char *name;
   char **argv;
   double *us;          /* wall-clock time, one sample per recorded round */
   double *cpu_us;      /* CPU time, likewise */
};

static void die(const char *what)
{
   fprintf(stderr, "timer: %s\n", what);
   exit(1);
}

static double now_us(void)
{
   struct timespec ts;
   clock_gettime(CLOCK_MONOTONIC, &ts);
   return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Run c once with stderr on err_fd; return the elapsed microseconds and
   store the CPU time in *cpu_us. */
static double run_once(const struct command *c, int null_fd, int err_fd, double *cpu_us)
{
   posix_spawn_file_actions_t fa;
   pid_t pid;
   int status, rc;
   double t0, t1, cpu0 = cpu_children_us();

   posix_spawn_file_actions_init(&fa);
   posix_spawn_file_actions_adddup2(&fa, null_fd, 0);
   posix_spawn_file_actions_adddup2(&fa, null_fd, 1);
   posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
   t0 = now_us();
   rc = posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, environ);
   if (rc != 0) {
      fprintf(stderr, "timer: %s: can't run %s: %s\n", c->name, c->argv[0], strerror(rc));
      exit(1);
   }
   while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR)
         die("waitpid failed");
   t1 = now_us();
   *cpu_us = cpu_children_us() - cpu0;
   posix_spawn_file_actions_destroy(&fa);
   if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "timer: %s: %s exited with status 0x%x\n", c->name, c->argv[0], status);
      exit(1);
   }
   return t1 - t0;
}

/* The first run's stderr must be empty: see the header. */
static void check_quiet(const struct command *c, int null_fd)
{
   char buf[4096];
   ssize_t n;
   double cpu;
   int fd = memfd_create("stderr", MFD_CLOEXEC);
   if (fd < 0)
      die("memfd_create failed");
   run_once(c, null_fd, fd, &cpu);
   n = pread(fd, buf, sizeof(buf) - 1, 0);
   if (n > 0) {
      buf[n] = '\0';
      fprintf(stderr, "timer: %s writes to stderr, which would be measured too:\n%s", c->name, buf);
      exit(1);
   }
   close(fd);
}

static int cmp_double(const void *a, const void *b)
{
   double x = *(const double *)a, y = *(const double *)b;
   return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples. */
static double percentile(const double *s, int n, double p)
{
   int i = (int)(p / 100.0 * n + 0.5) - 1;
   return s[i < 0 ? 0 : (i >= n ? n - 1 : i)];
}

int main(int argc, char **argv)
{
   struct command cmds[32];
   int order[32];
   int ncmds = 0, rounds, warmup, null_fd, r, i;

   if (argc < 5 || (rounds = atoi(argv[1])) < 1 || (warmup = atoi(argv[2])) < 1 || argv[3][0] != '@')
      die("usage: timer ROUNDS WARMUP @NAME CMD [ARG...] [@NAME CMD [ARG...]]... (ROUNDS, WARMUP >= 1)");
   cpu_adopt_orphans();
   for (i = 3; i < argc; i++) {
      if (argv[i][0] != '@')
         continue;
      if (ncmds == 32)
         die("too many commands (at most 32)");
      if (i + 1 >= argc || argv[i + 1][0] == '@')
         die("a @NAME without a command");
      cmds[ncmds].name = argv[i] + 1;
      cmds[ncmds].argv = &argv[i + 1];
      argv[i] = NULL;      /* terminates the previous command's argv */
      cmds[ncmds].us = malloc(sizeof(double) * (size_t)rounds);
      cmds[ncmds].cpu_us = malloc(sizeof(double) * (size_t)rounds);
      if (cmds[ncmds].us == NULL || cmds[ncmds].cpu_us == NULL)
         die("out of memory");
      ncmds++;
   }
   if ((null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
      die("can't open /dev/null");

   for (i = 0; i < ncmds; i++) {
      order[i] = i;
      check_quiet(&cmds[i], null_fd);
   }
   srandom((unsigned)getpid());
   for (r = -warmup + 1; r < rounds; r++) {
      for (i = ncmds - 1; i > 0; i--) {     /* Fisher–Yates */
         int j = (int)(random() % (i + 1)), t = order[i];
         order[i] = order[j];
         order[j] = t;
      }
      for (i = 0; i < ncmds; i++) {
         double cpu, us = run_once(&cmds[order[i]], null_fd, null_fd, &cpu);
         if (r >= 0) {
            cmds[order[i]].us[r] = us;
            cmds[order[i]].cpu_us[r] = cpu;
         }
      }
   }

   for (i = 0; i < ncmds; i++) {
      double *s = cmds[i].us, *c = cmds[i].cpu_us;
      qsort(s, (size_t)rounds, sizeof(double), cmp_double);
      qsort(c, (size_t)rounds, sizeof(double), cmp_double);
      printf("%s %d %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f\n", cmds[i].name, rounds,
             percentile(s, rounds, 50), percentile(s, rounds, 10), percentile(s, rounds, 90),
             s[0], s[rounds - 1], percentile(c, rounds, 50), percentile(c, rounds, 10),
             percentile(c, rounds, 90));
   }
   return 0;
}
