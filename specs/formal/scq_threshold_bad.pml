// KNOWN BAD: the SCQ index ring of scq.pml with an enqueue that stores Threshold = n-1 (1)
// instead of 3n-1 (5). Expected: an assertion violation (errors: 1): a dequeue reports EMPTY
// while an element whose enqueue has returned sits in the ring, claimed by nobody.
//
// Counterexample (breadth-first, depth 105): enqueuer 1 puts index 1 at position 0 and stores
// Threshold = 1. Dequeuer 0 takes H = 0, dequeuer 1 takes H = 1, finds slot 1 empty,
// invalidates it and stalls. Dequeuer 0 consumes index 1; its second dequeue takes H = 2,
// invalidates slot 2, loads Tail = 1 <= H+1, catches Tail up to 3 and stalls before its
// decrement. Dequeuer 1 loads Tail = 3 > H+1 (the failed-attempt branch) and stalls before
// its decrement. Enqueuer 0 puts index 0 at position 3; Threshold still reads 1, so it stores
// nothing and returns. The two stalled dequeuers decrement (1 -> 0 -> -1) and return EMPTY,
// legitimately (both began before index 0 was enqueued). The drain begins with index 0 in the
// ring, reads Threshold = -1 and returns EMPTY at once: the EMPTY assertion fails.
// Each dequeuer can hold one such stale decrement, made after the enqueue's reset for a
// failure decided before it; with two dequeuers a reset of 2 (2n-2) already passes in this
// system (README.md).
//
// Same system and checks as scq.pml, with the reference dequeuer (no look before claiming:
// scq.pml's dequeue before the look was added); only RESET differs.
//
// pan: -DMEMLIM=2048
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define N       2               // indices 0..N-1 (the ring's capacity)
#define SLOTS   4               // 2n
#define RESET   1               // BUG: Threshold an enqueue stores: n-1, not 3n-1
#define ROUNDS0 1               // enqueues of index 0 (by enqueuer 0)
#define ROUNDS1 1               // enqueues of index 1 (by enqueuer 1)
#define DEQS    2               // concurrent dequeuers; the drain is dequeuer DEQS
#define OPS0    2               // dequeues of dequeuer 0
#define OPS1    1               // dequeues of dequeuer 1
#define NPROCS  4               // enqueuers + dequeuers (init waits for them)

#define BOT     255             // empty index field
#define NIL     255             // no claimed position
#define EMPTY   254             // dequeue result: empty
#define CYC(p)  ((p) / SLOTS)
// Enqueue's test of the slot (c, s, x) read for position T; the Head load is its own step.
#define SLOT_FREE_FOR(T)  (c < CYC(T) && x == BOT)
#define NEED_HEAD_CHECK   (!s)

// Dequeuer actions, decided from the slot value read.
#define CONSUME 1
#define WRITE   2               // CAS the new value (nc, ns, x) in
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
byte finished = 0;

#define CLAIMED(p) (hpos[0] == (p) || hpos[1] == (p) || hpos[2] == (p))
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

proctype enqueuer(byte i; byte rounds) {
    byte T, j, x, k;
    short c;
    bool s, ok, placed;
    for (k : 1 .. rounds) {
        if
        :: pool[i] -> enqueue(i)
        :: else -> skip                             // still out: this round enqueues nothing
        fi
    }
    finished++
}

// ---------------------------------------------------------------------------------------------
// dequeue(me): result in res (an index, or EMPTY).

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
    d_step {                                        // invocation; load Threshold
        s0 = inring[0] && done[0]; p0 = pos[0];
        s1 = inring[1] && done[1]; p1 = pos[1];
        if
        :: threshold < 0 -> res = EMPTY; empty_ok()
        :: else -> res = NIL
        fi
    };
    do
    :: res != NIL -> break
    :: else ->
       d_step {                                     // FAA(Head)
           H = head; head++; assert(head < 250); hpos[me] = H
       };
       d_step {                                     // load the slot
           j = H % SLOTS; c = cyc[j]; s = safe[j]; x = idx[j];
           decide(me)
       };
       do
       :: act == CONSUME ->
          d_step {                                  // atomic OR: index := BOT
              assert(cyc[j] == CYC(H) && idx[j] == x);
              idx[j] = BOT;
              assert(inring[x] && pos[x] == H);
              inring[x] = false; pool[x] = true; hpos[me] = NIL;
              no_loss();
              res = x
          };
          break
       :: act == LEAVE -> break
       :: act == WRITE ->
          d_step {                                  // CAS (c, s, x) -> (nc, ns, x)
              if
              :: cyc[j] == c && safe[j] == s && idx[j] == x ->
                 cyc[j] = nc; safe[j] = ns;
                 hpos[me] = NIL; no_loss();
                 act = LEAVE
              :: else ->
                 c = cyc[j]; s = safe[j]; x = idx[j];
                 decide(me)
              fi
          }
       od;
       act = 0; c = 0; s = false; x = 0; nc = 0; ns = false; j = 0;
       if
       :: res != NIL -> skip
       :: else ->
          t = tail;                                 // load Tail
          if
          :: t <= H + 1 ->                          // catch-up: Tail := H+1 unless passed
             nt = H + 1;
             do
             :: d_step {                            // CAS Tail t -> nt
                    if
                    :: tail == t -> tail = nt; ok = true
                    :: else -> ok = false
                    fi
                };
                if
                :: ok -> break
                :: else ->
                   nt = head;                       // load Head
                   t = tail;                        // load Tail
                   if
                   :: t >= nt -> break
                   :: else -> skip
                   fi
                fi
             od;
             skip;                                  // (a break may not target a d_step)
             d_step { threshold--; res = EMPTY; empty_ok() }
          :: else ->
             d_step {                               // FAA(Threshold, -1)
                 if
                 :: threshold <= 0 -> res = EMPTY; empty_ok()
                 :: else -> skip
                 fi;
                 threshold--
             }
          fi;
          t = 0; nt = 0; ok = false
       fi;
       H = 0
    od;
    s0 = false; p0 = 0; s1 = false; p1 = 0
}

proctype dequeuer(byte me; byte ops) {
    byte H, j, x, t, nt, res, act, k, p0, p1;
    short c, nc;
    bool s, ns, ok, s0, s1;
    for (k : 1 .. ops) {
        dequeue(me);
        res = 0
    }
    finished++
}

init {
    byte H, j, x, t, nt, res, act, p0, p1;
    short c, nc;
    bool s, ns, ok, s0, s1;
    atomic {
        for (j : 0 .. SLOTS - 1) {
            cyc[j] = -1; safe[j] = true; idx[j] = BOT
        }
        j = 0;
        pool[0] = true; pool[1] = true;
        hpos[0] = NIL; hpos[1] = NIL; hpos[2] = NIL;
        run enqueuer(0, ROUNDS0);
        run enqueuer(1, ROUNDS1);
        run dequeuer(0, OPS0);
        run dequeuer(1, OPS1)
    }
    (finished == NPROCS);
    // Drain: dequeue until EMPTY. Each dequeue checks itself as above; at the EMPTY every
    // enqueue has returned and no other dequeuer runs, so nothing may be left.
    do
    :: dequeue(DEQS);
       if
       :: res == EMPTY -> break
       :: else -> skip
       fi
    od;
    assert(!inring[0] && !inring[1])
}
