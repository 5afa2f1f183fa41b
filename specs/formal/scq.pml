// SCQ index ring (Nikolaev, DISC 2019), the cas1 variant that queues/src/ring.rs implements:
// 2n slots of (cycle, safe bit, index or BOT), FAA on Head and Tail, Threshold, catch-up.
// Expected: errors: 0 from a complete search.
//
// Protocol (n = N = 2 indices, 2n = SLOTS = 4 slots, position p lives in slot p mod 2n with
// cycle p / 2n; no cache remap; initially every slot is (cycle -1, safe, BOT), Head = Tail = 0,
// Threshold = -1):
// - enqueue(i): T = FAA(Tail); read the slot; while its cycle is older than cycle(T), its index
//   is BOT and (it is safe or a load of Head gives Head <= T): CAS it from the value read to
//   (cycle(T), safe, i); a failed CAS hands back the current value, which is judged again for
//   the same T; success ends the loop. Otherwise take a new T. After success, load Threshold
//   and store 3n-1 if it differs.
// - dequeue(): Threshold < 0 -> EMPTY (no FAA). The look before claiming (queues/src/ring.rs
//   `looks_empty`): load Head, load its slot; if the slot lacks Head's cycle, load Tail, and
//   Tail <= Head -> EMPTY (no FAA). (The real code reads the slot twice with a pause between;
//   either read only decides whether to go on, so one models both.)
//   Loop: H = FAA(Head); read the slot; inner loop:
//   cycle == cycle(H) -> atomic OR of BOT into the index, return the old index; else the new
//   value is the slot with the safe bit cleared (index not BOT; already unsafe -> leave without
//   a write) or (cycle(H), the slot's safe bit, BOT) (index BOT, read once: no re-reads, see
//   README); if the cycle is older than cycle(H) CAS it in (failure: judge the value handed
//   back), else leave. After the inner loop: t = load Tail; t <= H+1 -> catch-up (CAS Tail
//   t -> H+1; on failure load Head and Tail and retry from them while Tail < Head), then
//   FAA(Threshold, -1) and EMPTY; else FAA(Threshold, -1) returning <= 0 -> EMPTY, else loop.
//   The real code compares cycles and counters as signed differences of wrapping words; here
//   they are small plain integers (the scenario bounds them), so those comparisons are exact.
//
// System: enqueuer 0 owns index 0 and enqueues it up to ROUNDS0 (1) times, enqueuer 1 owns
// index 1 (ROUNDS1, 1); an enqueuer enqueues its index again only once a dequeue has returned
// it, so at most n indices are ever outstanding (the ring's contract), and skips a round when
// its index is still out. DEQS (2) concurrent dequeuers make OPS0 (2) and OPS1 (1) dequeues.
// When all are done, init drains the ring sequentially (dequeue until EMPTY) with the same
// code. Head reaches 11 (cycle 2), so every slot is reused. Two concurrent dequeuers is
// n: the 3n-1 bound does not hold with many more dequeuers than n (README.md).
//
// Memory model: sequential consistency, one shared word per statement (the slot is one word,
// read and CASed as a unit, as in the real code); ghost updates ride on the step they describe.
//
// Checked (assertions), with ghost state: inring[i] / pos[i] (index i sits in the ring at
// position pos[i], set by the successful slot CAS), done[i] (its enqueue has returned: set
// with the enqueue's last access), hpos[d] (the position dequeuer d has claimed with its FAA
// and is still judging: set by the FAA, cleared when d consumes or leaves the inner loop):
// - no loss: an element in the ring at a position Head has passed is always claimed by a
//   dequeuer still in its inner loop (checked after every step that moves Head, places,
//   consumes or ends a claim); a dequeuer that leaves never leaves its own position's
//   element behind, and an enqueue never places an element where no dequeuer will look;
// - no duplication, FIFO by position: a consume takes an index that is in the ring, placed at
//   exactly the position H of the consuming dequeuer (positions follow Tail, so an enqueue
//   that returned before another began has the smaller position, claimed by an earlier FAA
//   on Head);
// - EMPTY is linearizable: every element whose enqueue had returned when the dequeue began
//   (snapshot taken with the dequeue's first access, the Threshold load) is, when the dequeue
//   returns EMPTY, consumed or claimed by a dequeuer still running (which can be linearized
//   before the EMPTY). An element enqueued but not yet returned may be ordered after it.
// - the drain returns every index still in the ring, then EMPTY with the ring empty.
//
// The twins differ only in the bug: scq_threshold_bad.pml (RESET below 3n-1),
// scq_nosafe_bad.pml (enqueue ignores the safe bit and Head <= T), both of the reference
// dequeuer (no look before claiming, as this model was before the look was added: their
// counterexamples go through claims of empty positions), and scq_look_notail_bad.pml (the
// look answers EMPTY from the slot alone, without Tail).
//
// pan: -DMEMLIM=2048 -DCOLLAPSE
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define N       2               // indices 0..N-1 (the ring's capacity)
#define SLOTS   4               // 2n
#define RESET   5               // Threshold an enqueue stores: 3n-1
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
// The look's empty answer, at its load of Tail (H: the Head it loaded first).
#define LOOK_EMPTY        (tail <= H)

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
    if                                              // the look before claiming
    :: res == NIL ->
       H = head;                                    // load Head
       d_step {                                     // load the slot of Head
           j = H % SLOTS; ok = (cyc[j] == CYC(H))
       };
       if
       :: !ok ->
          d_step {                                  // load Tail
              if
              :: LOOK_EMPTY -> res = EMPTY; empty_ok()
              :: else -> skip
              fi
          }
       :: else -> skip                              // a value at the head: claim
       fi;
       H = 0; j = 0; ok = false
    :: else -> skip
    fi;
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
