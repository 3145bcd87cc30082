/* What the values of native/constants.def need. */
#ifndef SKIFF_CONSTANTS_H
#define SKIFF_CONSTANTS_H

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/audit.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The seccomp_data.arch value of this build's architecture. */
#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_I386
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_PPC64LE
#elif defined(__s390x__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_S390X
#elif defined(__arm__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_ARM
#else
#define AUDIT_ARCH_NATIVE 0 /* unknown: --seccomp's self-test fails */
#endif

#endif
