// SCQ index ring with k = 6 concurrent dequeuers against n = 2 indices (k > n), Threshold
// reset to 2n + k - 1 = 9, the value queues/src/ring.rs derives (invariant 4: 2n + max(n, K) - 1).
// Expected: errors: 0 from a complete search.
//
// The ring, the enqueue and the assertions are those of scq.pml (read its header first); what
// differs is the system, chosen to reach the failure the paper's 3n - 1 has with more than about
// n dequeuers (scq_dequeuers_bad.pml) while staying exhaustive within it:
// - warm-up: init enqueues index 0 and dequeues it, alone, so the run starts from a reachable
//   state with Head = Tail = 1 and Threshold = RESET (from the initial -1 every dequeue would
//   return EMPTY without touching Head, and no failed attempt could be parked);
// - then enqueuer 1 enqueues index 1 once with the step-by-step enqueue of scq.pml, against
//   DEQS = 6 dequeuers making one dequeue each, all interleaved freely;
// - a dequeue is coarse: its invocation (Threshold load) and each attempt (FAA Head, slot read,
//   judgment and write, Tail load and catch-up) are one atomic step, the Threshold decrement
//   is its own step. So an attempt decided before the enqueue can still decrement after the
//   enqueue's reset, which is the race the threshold has to absorb; the behaviours lost are
//   those of a dequeuer stopped inside an attempt (scq.pml covers them with two dequeuers);
// - dequeuers are identical, so dequeuer d may begin only after dequeuer d-1 has begun (any run
//   is a run of this model up to renaming the dequeuers: a symmetry reduction, no loss);
// - when all are done, init drains the ring sequentially: a dequeue that begins after the
//   enqueue returned must find index 1.
// Checked, as in scq.pml: no loss, no duplication, FIFO by position, EMPTY linearizable (every
// element whose enqueue had returned when a dequeue began is consumed or claimed by a running
// dequeuer when it returns EMPTY), and the drain empties the ring.
//
// Why 2n + k - 1 (our reading, not proved here): after an enqueue's reset, the decrements
// before some dequeuer claims its position come from at most k attempts decided before the
// reset (one per dequeuer) plus failed attempts on the positions between Head and the element
// (at most 2n - 1). Here the former dominate: six attempts fail at H = 1..6 and wait; index 1
// lands at 7 and the enqueue finds Threshold = RESET unchanged; the six decrements leave
// RESET - 6, so RESET = 6 = k already passes in this system and 3n - 1 = 5 does not
// (README.md has the numbers for other resets and a wider configuration).
//
// pan: -DMEMLIM=2048 -DCOLLAPSE
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define N       2               // indices 0..N-1 (the ring's capacity)
#define SLOTS   4               // 2n
#define DEQS    6               // concurrent dequeuers; the drain is dequeuer DEQS
#define RESET   9               // Threshold an enqueue stores: 2n + k - 1
#define NPROCS  (DEQS + 1)      // enqueuer + dequeuers (init waits for them)

#define BOT     255             // empty index field
#define NIL     255             // no claimed position
#define EMPTY   254             // dequeue result: empty
#define CYC(p)  ((p) / SLOTS)
// Enqueue's test of the slot (c, s, x) read for position T; the Head load is its own step.
#define SLOT_FREE_FOR(T)  (c < CYC(T) && x == BOT)
#define NEED_HEAD_CHECK   (!s)

// Dequeuer actions, decided from the slot value read.
#define CONSUME 1
#define WRITE   2               // write the new value (nc, ns, x)
#define LEAVE   3

byte head = 0;
byte tail = 0;
short threshold = -1;
short cyc[SLOTS];               // slot word: cycle, safe bit, index (BOT = empty)
bool safe[SLOTS];
byte idx[SLOTS];

bool inring[N];                 // ghost: index i sits in the ring (placed, not consumed)
byte pos[N];                    // ghost: its position
bool done[N];                   // ghost: its enqueue has returned
bool pool[N];                   // ghost: index i is with its enqueuer (free to enqueue)
byte hpos[DEQS + 1];            // ghost: position each dequeuer claimed and still judges
bool begun[DEQS + 1];           // symmetry: dequeuer d has begun its dequeue
byte finished = 0;

#define CLAIMED(p) (hpos[0] == (p) || hpos[1] == (p) || hpos[2] == (p) || hpos[3] == (p) || \
                    hpos[4] == (p) || hpos[5] == (p) || hpos[6] == (p))
// An element in the ring behind Head is still some running dequeuer's to take.
#define LIVE(i)    (!inring[i] || pos[i] >= head || CLAIMED(pos[i]))

inline no_loss() {
    assert(LIVE(0) && LIVE(1))
}

// ---------------------------------------------------------------------------------------------
// enqueue(i): the caller holds index i (pool[i]).

inline enqueue(i) {
    placed = false;
    do
    :: placed -> break
    :: else ->
       d_step {                                     // FAA(Tail)
           T = tail; tail++; assert(tail < 250);
           pool[i] = false; done[i] = false
       };
       d_step {                                     // load the slot
           j = T % SLOTS; c = cyc[j]; s = safe[j]; x = idx[j]
       };
       do                                           // judge the value, same T
       :: ok = SLOT_FREE_FOR(T);
          if
          :: ok && NEED_HEAD_CHECK -> ok = (head <= T)      // load Head
          :: else -> skip
          fi;
          if
          :: !ok -> break                           // new T
          :: else ->
             d_step {                               // CAS (c, s, x) -> (cycle(T), safe, i)
                 if
                 :: cyc[j] == c && safe[j] == s && idx[j] == x ->
                    cyc[j] = CYC(T); safe[j] = true; idx[j] = i;
                    assert(!inring[i]);
                    inring[i] = true; pos[i] = T;
                    no_loss();
                    placed = true
                 :: else ->
                    c = cyc[j]; s = safe[j]; x = idx[j]
                 fi
             };
             if
             :: placed -> break
             :: else -> skip
             fi
          fi
       od;
       c = 0; s = false; x = 0; j = 0; T = 0; ok = false
    od;
    skip;                                           // (a break may not target a d_step)
    d_step {                                        // load Threshold
        if
        :: threshold != RESET -> ok = true
        :: else -> ok = false; done[i] = true
        fi
    };
    if
    :: ok -> d_step { threshold = RESET; done[i] = true }
    :: else -> skip
    fi;
    ok = false; placed = false
}

proctype enqueuer(byte i) {
    byte T, j, x;
    short c;
    bool s, ok, placed;
    enqueue(i);
    finished++
}

// ---------------------------------------------------------------------------------------------
// dequeue(me): result in res (an index, or EMPTY); one atomic step per attempt.

// Judge the slot value (c, s, x) for position H: act, and the new value (nc, ns) for WRITE.
inline decide(me) {
    if
    :: c == CYC(H) -> assert(x != BOT); act = CONSUME
    :: else ->
       if
       :: x != BOT && !s -> act = LEAVE             // an older element, already unsafe
       :: x != BOT && s -> nc = c; ns = false; act = WRITE
       :: else -> nc = CYC(H); ns = s; act = WRITE  // BOT: make it useless to position H
       fi;
       if
       :: act == WRITE && c > CYC(H) -> act = LEAVE // a newer cycle: nothing to do
       :: else -> skip
       fi
    fi;
    if
    :: act == LEAVE -> hpos[me] = NIL; no_loss()
    :: else -> skip
    fi
}

// At an EMPTY return: every element whose enqueue had returned at invocation (s0/p0, s1/p1)
// is consumed or claimed by a running dequeuer.
inline empty_ok() {
    assert(!s0 || !(inring[0] && pos[0] == p0) || CLAIMED(p0));
    assert(!s1 || !(inring[1] && pos[1] == p1) || CLAIMED(p1))
}

inline dequeue(me) {
    res = NIL; first = true;
    do
    :: res != NIL -> break
    :: else ->
       d_step {                                     // [invocation: load Threshold;] attempt
           (!first || me == 0 || me == DEQS || begun[me - 1]);       // symmetry
           begun[me] = true;
           if
           :: first ->
              first = false;
              s0 = inring[0] && done[0]; p0 = pos[0];
              s1 = inring[1] && done[1]; p1 = pos[1];
              if
              :: threshold < 0 -> res = EMPTY; empty_ok()
              :: else -> skip
              fi
           :: else -> skip
           fi;
           if
           :: res == NIL ->
              H = head; head++; assert(head < 250); hpos[me] = H;    // FAA(Head)
              j = H % SLOTS; c = cyc[j]; s = safe[j]; x = idx[j];    // load the slot
              decide(me);
              if
              :: act == CONSUME ->                                    // atomic OR
                 assert(inring[x] && pos[x] == H);
                 idx[j] = BOT;
                 inring[x] = false; pool[x] = true; hpos[me] = NIL;
                 no_loss();
                 res = x
              :: act == WRITE ->                                      // CAS (succeeds)
                 cyc[j] = nc; safe[j] = ns;
                 hpos[me] = NIL; no_loss()
              :: else -> skip
              fi;
              if                                    // load Tail; catch-up CAS Tail -> H+1
              :: res == NIL && tail <= H + 1 -> tail = H + 1; ok = true
              :: else -> ok = false
              fi;
              act = 0; c = 0; s = false; x = 0; nc = 0; ns = false; j = 0
           :: else -> skip
           fi
       };
       if
       :: res != NIL -> skip
       :: else ->
          d_step {                                  // FAA(Threshold, -1)
              if                                    // after a catch-up, or returning <= 0
              :: ok || threshold <= 0 -> res = EMPTY; empty_ok()
              :: else -> skip
              fi;
              threshold--; ok = false
          }
       fi;
       H = 0
    od;
    s0 = false; p0 = 0; s1 = false; p1 = 0; first = false
}

proctype dequeuer(byte me) {
    byte H, j, x, res, act, p0, p1;
    short c, nc;
    bool s, ns, ok, s0, s1, first;
    dequeue(me);
    finished++
}

init {
    byte H, j, x, res, act, p0, p1, T;
    short c, nc;
    bool s, ns, ok, s0, s1, first, placed;
    atomic {
        for (j : 0 .. SLOTS - 1) {
            cyc[j] = -1; safe[j] = true; idx[j] = BOT
        }
        for (j : 0 .. DEQS) { hpos[j] = NIL }
        j = 0;
        pool[0] = true; pool[1] = true;
        enqueue(0);                                 // warm-up, alone: index 0 in and out
        dequeue(DEQS);
        assert(res == 0 && head == 1 && tail == 1 && threshold == RESET);
        res = 0;
        run enqueuer(1);
        for (j : 0 .. DEQS - 1) { run dequeuer(j) }
        j = 0
    }
    (finished == NPROCS);
    // Drain: dequeue until EMPTY. At the EMPTY every enqueue has returned and no other dequeuer
    // runs, so nothing may be left.
    do
    :: dequeue(DEQS);
       if
       :: res == EMPTY -> break
       :: else -> skip
       fi
    od;
    assert(!inring[0] && !inring[1])
}
