/* bench/cpu-time: run a command, then print the CPU time (user + system,
   microseconds) of it and of every process it started, including those it
   left running (bench/cpu.h), as a last line "cpu US" on stdout.

   Usage: cpu-time CMD [ARG...]    (exits with CMD's status) */
#define _GNU_SOURCE
#include <spawn.h>
#include <string.h>
#include <unistd.h>
#include "cpu.h"

extern char **environ;

int main(int argc, char **argv)
{
   pid_t pid;
   int status, rc;
   if (argc < 2) {
      fprintf(stderr, "usage: cpu-time CMD [ARG...]\n");
      return 2;
   }
   cpu_adopt_orphans();
   if ((rc = posix_spawn(&pid, argv[1], NULL, NULL, argv + 1, environ)) != 0) {
      fprintf(stderr, "cpu-time: can't run %s: %s\n", argv[1], strerror(rc));
      return 127;
   }
   while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) {
         perror("cpu-time: waitpid");
         return 1;
      }
   fflush(stdout);
   printf("cpu %.0f\n", cpu_children_us());
   return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
