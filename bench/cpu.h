/* CPU time of everything a measured command runs, for the bench/ timers.

   wait4() reports a child's CPU time with that of the descendants it waited
   for, but not of those it left running: a SquashFS launch's FUSE server,
   say, which outlives the launcher. A timer that calls cpu_adopt_orphans()
   first becomes their parent when they are orphaned (a child subreaper), so
   cpu_children_us() can wait for them too and count them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

static void cpu_adopt_orphans(void)
{
   if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
      perror("prctl(PR_SET_CHILD_SUBREAPER)");
      exit(1);
   }
}

/* Wait for every child still running (after the caller has collected the
   ones it needs the status of); return the user + system microseconds of
   all children waited for so far. Take the difference over a launch. */
static double cpu_children_us(void)
{
   struct rusage ru;
   while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
      ;
   if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
      perror("getrusage");
      exit(1);
   }
   return ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}
