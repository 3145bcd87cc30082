/* Ring exchange of large messages between MPI ranks, for skiff's --join tests.

   Each rank sends ROUNDS messages of SIZE bytes (default 4 MiB, 4 rounds) to
   rank+1 and receives from rank-1, checking every word. Messages this large
   go through Open MPI's rendezvous protocol, which on one node uses the
   shared-memory BTL's single-copy mechanism: with
   `--mca btl self,vader --mca btl_vader_single_copy_mechanism cma` (Open MPI
   4.1, Debian 12) that is cross-memory attach, i.e. process_vm_readv(2) on the
   peer process. CMA needs the peers to be in the same user namespace (or the
   reader to have CAP_SYS_PTRACE over the peer), which ranks started by
   separate `ch-run`s are not, unless they share one container (`--join`).

   Usage: cma [SIZE_BYTES [ROUNDS]]
   Prints "rank R of N ok" per rank and exits 0; on a data mismatch or an MPI
   error prints a message and exits (or aborts the job) non-zero. */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

static int rank = -1;

static void check(int rc, const char *what)
{
   if (rc != MPI_SUCCESS) {
      char msg[MPI_MAX_ERROR_STRING];
      int len = 0;
      MPI_Error_string(rc, msg, &len);
      fprintf(stderr, "rank %d: %s failed: %s\n", rank, what, msg);
      fflush(stderr);
      MPI_Abort(MPI_COMM_WORLD, 2);
      exit(2);
   }
}

static uint32_t pattern(int src, int round, size_t i)
{
   return (uint32_t)src * 2654435761u ^ (uint32_t)round * 40503u ^ (uint32_t)i;
}

int main(int argc, char **argv)
{
   size_t size = 4u << 20;
   int rounds = 4;
   int n, right, left;
   size_t words;
   uint32_t *sbuf, *rbuf;
   int bad = 0, anybad = 0;

   check(MPI_Init(&argc, &argv), "MPI_Init");
   MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
   check(MPI_Comm_rank(MPI_COMM_WORLD, &rank), "MPI_Comm_rank");
   check(MPI_Comm_size(MPI_COMM_WORLD, &n), "MPI_Comm_size");

   if (argc > 1)
      size = strtoull(argv[1], NULL, 0);
   if (argc > 2)
      rounds = atoi(argv[2]);
   words = size / sizeof(uint32_t);
   if (words == 0 || rounds <= 0) {
      if (rank == 0)
         fprintf(stderr, "usage: cma [SIZE_BYTES [ROUNDS]]\n");
      MPI_Finalize();
      return 64;
   }

   sbuf = malloc(words * sizeof(uint32_t));
   rbuf = malloc(words * sizeof(uint32_t));
   if (!sbuf || !rbuf) {
      fprintf(stderr, "rank %d: out of memory\n", rank);
      MPI_Abort(MPI_COMM_WORLD, 3);
   }
   right = (rank + 1) % n;
   left = (rank + n - 1) % n;

   for (int r = 0; r < rounds && !bad; r++) {
      for (size_t i = 0; i < words; i++)
         sbuf[i] = pattern(rank, r, i);
      memset(rbuf, 0xff, words * sizeof(uint32_t));
      check(MPI_Sendrecv(sbuf, (int)words, MPI_UINT32_T, right, r,
                         rbuf, (int)words, MPI_UINT32_T, left, r,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Sendrecv");
      for (size_t i = 0; i < words; i++) {
         if (rbuf[i] != pattern(left, r, i)) {
            fprintf(stderr, "rank %d of %d: round %d: data mismatch from rank "
                    "%d at word %zu: got 0x%08" PRIx32 ", expected 0x%08"
                    PRIx32 "\n", rank, n, r, left, i, rbuf[i],
                    pattern(left, r, i));
            bad = 1;
            break;
         }
      }
   }

   check(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD),
         "MPI_Allreduce");
   if (!bad)
      printf("rank %d of %d %s\n", rank, n, anybad ? "ok (but a peer failed)" : "ok");
   fflush(stdout);
   free(sbuf);
   free(rbuf);
   MPI_Finalize();
   return anybad ? 1 : 0;
}
