/* bench/join-timer: time peer groups, for bench/join.

   Usage: join-timer ROUNDS WARMUP N @NAME CMD [ARG...] [@NAME CMD...]...
          stamp                        (when invoked by that name)

   Each round launches, for every command in a freshly shuffled order, N
   copies of it at once (posix_spawn, no shell) and measures the time from
   just before the first launch to the moment the last of the N copies has
   started its user command. The user command is this program invoked as
   `stamp`: it writes its CLOCK_MONOTONIC time (8 bytes, nanoseconds) to
   stdout, which is a pipe back to the timer, then waits for its stdin, a
   second pipe, to be closed, which the timer does once it has all N
   stamps. CLOCK_MONOTONIC is one clock for the whole machine, containers
   included.

   The N copies of a launch get OMPI_COMM_WORLD_LOCAL_SIZE=N (the peer
   group's size) and SLURM_STEP_ID=<a tag unique to the launch> (its tag),
   which both ch-run and skiff read for --join. A copy that exits non-zero,
   or a launch that does not yield N stamps, aborts the benchmark.

   Output, one line per command, in argument order (microseconds):
     NAME ROUNDS MEDIAN P10 P90 MIN MAX CPU_MEDIAN
   where CPU is the user + system time of all N peers of a launch and of
   every process they started (bench/cpu.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cpu.h"

extern char **environ;

struct command {
   const char *name;
   char **argv;
   double *us;          /* until the last peer's command started */
   double *cpu_us;      /* CPU time of all peers (user + system) */
};

static void die(const char *what)
{
   fprintf(stderr, "join-timer: %s: %s\n", what, strerror(errno));
   exit(1);
}

static int64_t now_ns(void)
{
   struct timespec t;
   clock_gettime(CLOCK_MONOTONIC, &t);
   return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Stamp, then wait for the timer to close stdin: ch-run's losers join the
   winner by its PID, so a winner that exits early fails them. */
static int stamp(void)
{
   int64_t t = now_ns();
   char c;
   if (write(1, &t, sizeof(t)) != sizeof(t))
      return 1;
   while (read(0, &c, 1) > 0 || errno == EINTR)
      ;
   return 0;
}

/* Our environment plus the peer group's size and tag, added at *k and
   *k + 1. */
static char **peer_environ(int n, const char *tag, size_t *added)
{
   size_t k = 0, i;
   char **env;
   while (environ[k] != NULL)
      k++;
   *added = k;
   env = calloc(k + 3, sizeof(*env));
   if (env == NULL)
      die("calloc");
   for (i = 0; i < k; i++)
      env[i] = environ[i];
   if (asprintf(&env[k], "OMPI_COMM_WORLD_LOCAL_SIZE=%d", n) < 0
       || asprintf(&env[k + 1], "SLURM_STEP_ID=%s", tag) < 0)
      die("asprintf");
   return env;
}

/* One launch of n peers; microseconds until the last one's stamp, and
   (in *cpu_us) the CPU time they used. */
static double launch(struct command *c, int n, const char *tag, double *cpu_us)
{
   int fds[2], release[2];
   size_t added;
   char **env = peer_environ(n, tag, &added);
   posix_spawn_file_actions_t fa;
   pid_t *pids = calloc((size_t)n, sizeof(*pids));
   int64_t t0, last = 0;
   double cpu0 = cpu_children_us();
   size_t got = 0, want = (size_t)n * sizeof(int64_t);
   char *buf = malloc(want);
   int i;

   if (pids == NULL || buf == NULL)
      die("malloc");
   if (pipe2(fds, O_CLOEXEC) || pipe2(release, O_CLOEXEC))
      die("pipe2");
   posix_spawn_file_actions_init(&fa);
   posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
   posix_spawn_file_actions_adddup2(&fa, release[0], 0);
   t0 = now_ns();
   for (i = 0; i < n; i++)
      if ((errno = posix_spawn(&pids[i], c->argv[0], &fa, NULL, c->argv, env)))
         die(c->argv[0]);
   close(fds[1]);
   close(release[0]);
   while (got < want) {
      ssize_t r = read(fds[0], buf + got, want - got);
      if (r < 0 && errno == EINTR)
         continue;
      if (r <= 0)
         break;
      got += (size_t)r;
   }
   close(fds[0]);
   close(release[1]);
   for (i = 0; i < n; i++) {
      int status;
      while (waitpid(pids[i], &status, 0) < 0)
         if (errno != EINTR)
            die("waitpid");
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
         fprintf(stderr, "join-timer: %s: a peer failed (status 0x%x)\n", c->name, status);
         exit(1);
      }
   }
   *cpu_us = cpu_children_us() - cpu0;
   if (got != want) {
      fprintf(stderr, "join-timer: %s: %zu of %d peers started their command\n", c->name,
              got / sizeof(int64_t), n);
      exit(1);
   }
   for (i = 0; i < n; i++) {
      int64_t s;
      memcpy(&s, buf + (size_t)i * sizeof(s), sizeof(s));
      if (s > last)
         last = s;
   }
   posix_spawn_file_actions_destroy(&fa);
   free(env[added]);
   free(env[added + 1]);
   free(env);
   free(pids);
   free(buf);
   return (double)(last - t0) / 1e3;
}

static int cmp(const void *a, const void *b)
{
   double x = *(const double *)a, y = *(const double *)b;
   return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
   const char *base = strrchr(argv[0], '/');
   struct command cmds[16];
   int rounds, warmup, n, ncmd = 0, order[16];

   if (strcmp(base ? base + 1 : argv[0], "stamp") == 0)
      return stamp();
   if (argc < 6 || argv[4][0] != '@') {
      fprintf(stderr, "usage: join-timer ROUNDS WARMUP N @NAME CMD [ARG...]...\n");
      return 2;
   }
   cpu_adopt_orphans();
   rounds = atoi(argv[1]);
   warmup = atoi(argv[2]);
   n = atoi(argv[3]);
   for (int i = 4; i < argc; i++) {
      if (argv[i][0] != '@')
         continue;
      if (ncmd == 16 || i + 1 >= argc || argv[i + 1][0] == '@') {
         fprintf(stderr, "join-timer: bad command list at %s\n", argv[i]);
         return 2;
      }
      cmds[ncmd].name = argv[i] + 1;
      cmds[ncmd].argv = &argv[i + 1];
      cmds[ncmd].us = calloc((size_t)rounds, sizeof(double));
      cmds[ncmd].cpu_us = calloc((size_t)rounds, sizeof(double));
      argv[i] = NULL;   /* ends the previous command's argv */
      ncmd++;
   }
   srand((unsigned)now_ns());
   for (int r = -warmup; r < rounds; r++) {
      for (int i = 0; i < ncmd; i++)
         order[i] = i;
      for (int i = ncmd - 1; i > 0; i--) {
         int j = rand() % (i + 1), t = order[i];
         order[i] = order[j];
         order[j] = t;
      }
      for (int i = 0; i < ncmd; i++) {
         struct command *c = &cmds[order[i]];
         char tag[64];
         double us, cpu;
         snprintf(tag, sizeof(tag), "bench-join-%d-%d-%d", (int)getpid(), r + warmup, order[i]);
         us = launch(c, n, tag, &cpu);
         if (r >= 0) {
            c->us[r] = us;
            c->cpu_us[r] = cpu;
         }
      }
   }
   for (int i = 0; i < ncmd; i++) {
      double *u = cmds[i].us, *cpu = cmds[i].cpu_us;
      qsort(u, (size_t)rounds, sizeof(double), cmp);
      qsort(cpu, (size_t)rounds, sizeof(double), cmp);
      printf("%s %d %.1f %.1f %.1f %.1f %.1f %.1f\n", cmds[i].name, rounds, u[rounds / 2], u[rounds / 10],
             u[(rounds * 9) / 10 < rounds ? (rounds * 9) / 10 : rounds - 1], u[0], u[rounds - 1],
             cpu[rounds / 2]);
   }
   return 0;
}
