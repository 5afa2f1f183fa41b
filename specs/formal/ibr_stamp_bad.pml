// KNOWN BAD: ibr.pml with the predecessor's retire stamp, the retirer's own pin-time (entry)
// epoch, instead of an epoch read after the unlink. Expected: an assertion violation
// (errors: 1), a use-after-free found by the reader's dereference.
//
// The bug needs a retirer that stays pinned across an epoch advance: the writer pins at epoch
// 1, replaces A by B (B born 1) and advances the epoch to 2; the reader pins at 2 and protects
// the link, getting B with reservation [2, 2]; the writer replaces B, stamps it 1 (its pin
// epoch), unpins and scans: [birth 1, stamp 1] misses [2, 2], so B is freed while the reader
// still holds it. A stamp read after the unlink is >= 2 and keeps B. Everything else is
// identical to ibr.pml, whose description follows.
//
// IBR (2GEIBR, Wen et al., PPoPP 2018) as ccol-reclaim implements it (notes/reclaim-protocol.md):
// per-node birth epochs, per-participant reservations [lower, upper], the two-global-epoch
// protect loop, and a scan that frees a retired entry iff no reservation intersects
// [birth, stamp]. (ibr.pml expects errors: 0.)
//
// System: one writer and READERS readers, all participants of one domain (slots 0..READERS-1
// are the readers', slot W the writer's). The writer owns a link that always points to a live
// node. In each of PINS pins it replaces the linked node OPS times (allocate with a birth epoch,
// publish, unlink and retire the old node, maybe advance the epoch, scan), then unpins and scans
// once more (a flush). Each reader runs SESSIONS pins; in each it protects the link PROTECTS
// times, keeps every node it protected, dereferences them, and unpins. NODES node slots are
// recycled: a freed slot is allocated again with a new birth epoch and a new generation.
//
// Memory model: Promela runs one statement at a time in one global order, i.e. sequential
// consistency. That stands for the protocol's SeqCst fences (pin: reservation stores, fence,
// protected loads; protect: upper store, fence, reload; scan: fence, epoch load, reservation
// loads); the weaker orderings elsewhere are left to loom on the real code. A statement touches
// at most one shared variable (ghost variables aside), except where a comment argues that
// merging steps hides no behaviour.
//
// Checked (assertions):
// - no use-after-free: every dereference finds its node allocated and still the incarnation
//   (ghost generation) that protect loaded, so a slot freed and reused under a reader (ABA) is
//   caught as well;
// - no double free, nothing freed unless retired, nothing retired while still linked;
// - no oracle: the free decision uses only what the implementation has (each entry's birth and
//   stamp, the reservations the scan read); the ghost node state is asserted, and otherwise
//   only stands for the allocator's free list when a slot is allocated;
// - both stamping rules, chosen at every retire: lazy (the next scan stamps the entry with the
//   epoch it reads after its fence: the implemented rule) and eager (the epoch read right after
//   the unlink); the epoch advance is optional at every retire, covering every epoch_frequency;
// - nothing is left behind: once the readers have finished and the writer has unpinned, one
//   scan frees every retired node (only the linked node stays allocated).
//
// Size: READERS 1 x SESSIONS 2 x PROTECTS 2 against PINS 2 x OPS 2 over 3 node slots (slots
// are reused) keeps the gate at about 1.2 M states. Two readers multiply that beyond a gate
// (see README.md for the larger configurations that were checked).
//
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define READERS   1
#define SESSIONS  2                // pins per reader
#define PROTECTS  2                // protected loads per reader pin (1 or 2)
#define PINS      2                // writer pins
#define OPS       2                // replacements per writer pin
#define NODES     3                // node slots, reused
#define W         READERS          // the writer's participant slot
#define SLOTS     (READERS + 1)
#define MAX       255              // u64::MAX: no reservation
#define UNSTAMPED 0                // epochs start at 1
#define NIL       255

// ghost node states
#define FREE      0
#define LIVE      1
#define RETIRED   2

// Shared state of the implementation.
byte epoch = 1;
byte lower[SLOTS] = MAX;
byte upper[SLOTS] = MAX;
byte link;                  // the data structure's only link
byte birth[NODES];          // node header, written at allocation before publication

// Ghost state: asserted; state[] also serves as the allocator's free list, nothing else reads it.
byte state[NODES];          // FREE / LIVE / RETIRED
byte gen[NODES];            // generation of a node slot, bumped at each allocation
byte retired_total = 0;
byte freed_total = 0;
byte readers_done = 0;

// ---------------------------------------------------------------- reader side

// pin (outermost): e = epoch.load(SeqCst); lower.store(e); upper.store(e); fence(SeqCst).
// u is the reader's local copy of its upper.
inline pin(id) {
    e = epoch;
    lower[id] = e;
    atomic { upper[id] = e; u = e; e = 0 }
}

// protect(link): loop { p = link.load(Acquire); e = epoch.load(Acquire); if e == u { return p };
// upper.store(e); fence(SeqCst); u = e }. g records (ghost) the generation that was loaded.
inline protect(id, p, g) {
    do
    :: atomic { p = link; g = gen[p] };
       e = epoch;
       if
       :: e == u -> e = 0; break
       :: else -> atomic { upper[id] = e; u = e; e = 0 }
       fi
    od
}

// A dereference: the node is still the allocated incarnation that protect returned.
#define VALID(p, g)  (state[p] != FREE && gen[p] == g)

// unpin (outermost): upper.store(MAX, Release); lower.store(MAX, Release)
inline unpin(id) {
    upper[id] = MAX;
    lower[id] = MAX
}

proctype reader(byte id) {
    byte e, u, p1, g1, p2, g2, k;
    for (k : 1 .. SESSIONS) {
        pin(id);
        protect(id, p1, g1);
        assert(VALID(p1, g1));
#if PROTECTS > 1
        protect(id, p2, g2);               // upper may grow; p1 must stay covered
        assert(VALID(p1, g1) && VALID(p2, g2));
#endif
        unpin(id);
        atomic { u = 0; p1 = 0; g1 = 0; p2 = 0; g2 = 0 }
    }
    atomic { readers_done++; k = 0 }
}

// ---------------------------------------------------------------- writer side

// One replacement. First pick the lowest free node slot (writer-local: the writer is the only
// allocator and the only reclaimer); n = NIL when every slot is in use, and the replacement is
// skipped. Then, as one step: allocate (birth = epoch.load(Relaxed), written before
// publication), publish the new node and take the old one out of the link (swap), and retire
// the old node: push {old, birth, stamp}, stamped with the epoch the writer read when it pinned
// (the predecessor's rule; wrong: see the top of the file). One step hides nothing: the
// new node is private until the swap, and only the writer changes the epoch, so every epoch
// read in this step returns what it would return one statement later.
inline replace() {
    d_step {
        n = NIL;
        for (i : 0 .. NODES - 1) {
            if
            :: n == NIL && state[i] == FREE -> n = i
            :: else -> skip
            fi
        }
        i = 0
    };
    if
    :: n != NIL ->
       atomic {
           birth[n] = epoch; gen[n]++; state[n] = LIVE;   // alloc
           old = link; link = n;                          // publish + unlink
           assert(link != old && state[old] == LIVE);     // retire only after the unlink
           state[old] = RETIRED;
           retired_total++;
           enode[ecount] = old;
           ebirth[ecount] = birth[old];
           estamp[ecount] = pin_epoch;                    // BUG: the retirer's pin-time epoch
           ecount++;
           n = 0; old = 0
       }
    :: else -> n = 0
    fi
}

// scan: fence(SeqCst); r = epoch.load(SeqCst); stamp every UNSTAMPED entry with r; read every
// slot's upper, then its lower; free an entry iff every reservation has hi < birth || stamp < lo.
// The writer's own slot is copied in the first step (only the writer writes it).
inline scan() {
    d_step {
        r = epoch;
        for (j : 0 .. NODES - 1) {
            if
            :: j < ecount && estamp[j] == UNSTAMPED -> estamp[j] = r
            :: else -> skip
            fi
        }
        j = 0; r = 0;
        hi[W] = upper[W]; lo[W] = lower[W]
    };
    s = 0;
    do
    :: s < READERS ->
       hi[s] = upper[s];
       atomic { lo[s] = lower[s]; s++ }
    :: else -> break
    od;
    s = 0;   // (a loop must not exit straight into a d_step)
    d_step {
        j = 0;
        do
        :: j < ecount ->
           keep = false;
           for (s : 0 .. SLOTS - 1) {
               if
               :: hi[s] < ebirth[j] || estamp[j] < lo[s] -> skip
               :: else -> keep = true
               fi
           }
           if
           :: keep -> j++
           :: else ->
              n = enode[j];
              assert(state[n] == RETIRED);   // never freed twice, never freed while linked
              state[n] = FREE;
              freed_total++;
              ecount--;                      // swap-remove the entry
              enode[j] = enode[ecount];
              ebirth[j] = ebirth[ecount];
              estamp[j] = estamp[ecount];
              enode[ecount] = 0;
              ebirth[ecount] = 0;
              estamp[ecount] = 0
           fi
        :: else -> break
        od;
        // forget the snapshot, so equal protocol states are equal model states
        for (s : 0 .. SLOTS - 1) {
            hi[s] = 0;
            lo[s] = 0
        }
        s = 0; j = 0; n = 0; keep = false
    }
}

proctype writer() {
    byte round, op, n, old, r, i, j, s, pin_epoch;
    byte hi[SLOTS], lo[SLOTS];                         // the scan's snapshot of the slots
    byte enode[NODES], ebirth[NODES], estamp[NODES];   // the owner-local retired list
    byte ecount = 0;
    bool keep;
    for (round : 1 .. PINS) {
        pin_epoch = epoch;                             // pin, as the readers do
        lower[W] = pin_epoch;
        upper[W] = pin_epoch;
        for (op : 1 .. OPS) {
            replace();
            if
            :: epoch++                                 // epoch.fetch_add(1, SeqCst)
            :: skip                                    // not yet epoch_frequency retires
            fi;
            scan()                                     // retire_threshold = 1
        }
        upper[W] = MAX;                                // unpin
        atomic { lower[W] = MAX; pin_epoch = 0 };
        scan()                                         // flush, unpinned
    }
    (readers_done == READERS);
    scan();
    assert(ecount == 0 && freed_total == retired_total);
    for (i : 0 .. NODES - 1) {
        assert(state[i] == (i == link -> LIVE : FREE))
    }
}

init {
    atomic {
        state[0] = LIVE;
        gen[0] = 1;
        birth[0] = 1;
        link = 0;
        run writer();
        run reader(0)
#if READERS > 1
        ; run reader(1)
#endif
#if READERS > 2
        ; run reader(2)
#endif
    }
}
