/* Escape checks, after Charliecloud's test/chtest/: each tries one thing a
   container must not be able to do to its host, and prints one line,
   "SAFE: ..." (exit 0) when the kernel refused it, or "ESCAPED: ..."
   (exit 1) when it worked. Run on the host as root, every check must say
   ESCAPED: that is what proves each one can fail. Built static, so that it
   runs in any image.

   Usage: escape CHECK [ARG]
     chroot HOSTPATH  chroot out of the container; HOSTPATH exists only on the host
     mknod DIR        make a character device (/dev/null's) in DIR and open it
     setuid           can a set-user-ID program gain privileges (no_new_privs unset)?
     setgroups        drop all supplementary groups
     signal           signal a process outside the container (PID 1, init)
     bind             bind a privileged TCP port (1)
     proc             open a global sysctl in /proc/sys for writing
     sys              open a sysfs file for writing */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int safe(const char *what, int err)
{
   printf("SAFE: %s: %s\n", what, strerror(err));
   return 0;
}

static int escaped(const char *what)
{
   printf("ESCAPED: %s\n", what);
   return 1;
}

/* The classic: chroot into a subdirectory, leaving the working directory
   outside the new root, then walk up from it and chroot there. */
static int check_chroot(const char *host_path)
{
   char dir[] = "/tmp/escape.XXXXXX";
   if (mkdtemp(dir) == NULL) {
      perror("mkdtemp");
      return 2;
   }
   if (chdir("/") || chroot(dir)) {
      int err = errno;
      rmdir(dir);
      return safe("chroot", err);
   }
   for (int i = 0; i < 256; i++)
      if (chdir(".."))
         break;
   if (chroot("."))
      return safe("chroot(\".\") after walking up", errno);
   rmdir(dir);
   if (access(host_path, F_OK))
      return safe("host path not visible after chroot escape", errno);
   return escaped("chroot: host path visible");
}

static int check_mknod(const char *dir)
{
   char path[4096];
   snprintf(path, sizeof(path), "%s/escape-null.%d", dir, getpid());
   if (mknod(path, S_IFCHR | 0600, makedev(1, 3)))
      return safe("mknod", errno);
   int fd = open(path, O_RDWR);
   int err = errno;
   unlink(path);
   if (fd < 0)
      return safe("open of device made by mknod", err);
   close(fd);
   return escaped("mknod: character device made and opened");
}

static int check_setuid(void)
{
   int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
   if (nnp < 0) {
      perror("prctl");
      return 2;
   }
   if (nnp == 1)
      return safe("set-user-ID programs gain nothing: no_new_privs", EPERM);
   return escaped("setuid: no_new_privs unset");
}

static int check_setgroups(void)
{
   if (setgroups(0, NULL))
      return safe("setgroups", errno);
   return escaped("setgroups: supplementary groups dropped");
}

static int check_signal(void)
{
   if (kill(1, 0))
      return safe("kill(1, 0)", errno);
   return escaped("signal: may signal PID 1");
}

static int check_bind(void)
{
   int s = socket(AF_INET, SOCK_STREAM, 0);
   if (s < 0) {
      perror("socket");
      return 2;
   }
   struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
   if (bind(s, (struct sockaddr *)&a, sizeof(a)))
      return safe("bind to port 1", errno);
   close(s);
   return escaped("bind: privileged port 1 bound");
}

/* Opening for writing is enough: the permission checks happen there, and
   nothing is written. */
static int check_write(const char *path)
{
   int fd = open(path, O_WRONLY);
   if (fd < 0)
      return safe(path, errno);
   close(fd);
   return escaped("open for writing");
}

int main(int argc, char **argv)
{
   setvbuf(stdout, NULL, _IOLBF, 0);
   const char *c = argc > 1 ? argv[1] : "";
   const char *arg = argc > 2 ? argv[2] : NULL;
   if (!strcmp(c, "chroot") && arg)
      return check_chroot(arg);
   if (!strcmp(c, "mknod") && arg)
      return check_mknod(arg);
   if (!strcmp(c, "setuid"))
      return check_setuid();
   if (!strcmp(c, "setgroups"))
      return check_setgroups();
   if (!strcmp(c, "signal"))
      return check_signal();
   if (!strcmp(c, "bind"))
      return check_bind();
   if (!strcmp(c, "proc"))
      return check_write("/proc/sys/kernel/printk_ratelimit");
   if (!strcmp(c, "sys"))
      return check_write("/sys/kernel/profiling");
   fprintf(stderr, "usage: escape chroot HOSTPATH | mknod DIR | setuid | setgroups | signal | bind | proc | sys\n");
   return 64;
}
