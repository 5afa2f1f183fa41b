// KNOWN BAD: ibr_sticky.pml with a revoker that does not read `active` again after its heavy
// fence: it revokes every reservation it marked. Expected: an assertion violation (errors: 1),
// a use-after-free found by the reader's dereference.
//
// The bug: the reader passes its fast-path check (upper unmarked) and reads the link; the
// writer marks, fences, and revokes although the reader is inside its guard; a scan then frees
// the node the reader holds. Everything else is identical to ibr_sticky.pml, whose
// description follows.
//
// The model of ibr.pml (one writer, READERS readers, 2GE protect loop, lazy and eager stamps,
// scans that free an entry iff no reservation intersects [birth, stamp]), changed as follows:
//
// - A reader's outermost unpin leaves its reservation published and stores active = 0; its
//   next pin, if the epoch still equals its published lower, stores active = 1 and checks
//   that upper still holds the value it published, with no fence in between (the light fence
//   is a compiler fence): the fast path. Otherwise it publishes [e, e] with a fence.
// - The reader's stores to `active` go through a FIFO store buffer (TSO), drained one entry
//   at a time by the `drainer` process at any moment, and wholly by the reader's own fences
//   (publication, raise, release). Its loads read memory, so a load may pass its buffered
//   `active` stores: the store-load reordering the fast path has no fence against. Every
//   other store is sequentially consistent, as in ibr.pml (each is followed by a fence or is
//   the writer's).
// - Before any scan the writer may revoke the reader's reservation: mark upper (+REV) by CAS,
//   run the heavy fence (membarrier: drains the reader's store buffer, as the interrupt's
//   barrier does), read active again, and CAS the mark to MAX (revoked) if the reader is
//   outside a guard, or back to the plain upper if it may be inside. Scans treat a marked
//   reservation as published.
// - A reader leaving (thread exit) clears its reservation and active, after a fence.
//
// Checked: the assertions of ibr.pml (no use-after-free, no double free, nothing freed while
// linked, everything freed at the end). Known-bad variants: ibr_sticky_norecheck_bad.pml (the
// revoker does not read active again), ibr_sticky_nobarrier_bad.pml (no heavy fence).
//
// Size: READERS 1 x SESSIONS 2 x PROTECTS 1 against PINS 2 x OPS 2 over 3 node slots; every
// scan may revoke.
//
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define READERS   1
#define SESSIONS  2                // pins per reader
#define PROTECTS  1                // protected loads per reader pin (1 or 2)
#define PINS      2                // writer pins
#define OPS       2                // replacements per writer pin
#define NODES     3                // node slots, reused
#define W         READERS          // the writer's participant slot
#define SLOTS     (READERS + 1)
#define MAX       255              // u64::MAX: no reservation
#define UNSTAMPED 0                // epochs start at 1
#define NIL       255
#define REV       128              // the REVOKING mark, added to an epoch (epochs stay below)
#define BUF       4                // store buffer entries

// ghost node states
#define FREE      0
#define LIVE      1
#define RETIRED   2

// Shared state of the implementation.
byte epoch = 1;
byte lower[SLOTS] = MAX;
byte upper[SLOTS] = MAX;
bit act[SLOTS];             // the slots' `active` flags (`active` is a Promela keyword)          // readers only (the writer is not sticky)

// The reader's store buffer for `active` (READERS is 1).
bit buf[BUF];
byte bufn = 0;
byte link;                  // the data structure's only link
byte birth[NODES];          // node header, written at allocation before publication

// Ghost state: asserted; state[] also serves as the allocator's free list, nothing else reads it.
byte state[NODES];          // FREE / LIVE / RETIRED
byte gen[NODES];            // generation of a node slot, bumped at each allocation
byte retired_total = 0;
byte freed_total = 0;
byte readers_done = 0;

// ---------------------------------------------------------------- reader side

// A buffered store of `active`: waits while the buffer is full (a full store buffer stalls).
inline store_active(v) {
    atomic { bufn < BUF -> buf[bufn] = v; bufn++ }
}

// Empties the store buffer into memory, oldest first: a fence (the reader's own), or the heavy
// fence's interrupt-time barrier (run by the writer).
inline drain_all() {
    d_step {
        b = 0;
        do
        :: b < bufn -> act[0] = buf[b]; buf[b] = 0; b++
        :: else -> break
        od;
        bufn = 0; b = 0
    }
}

// pin (outermost). e = epoch.load(SeqCst); fast path if sticky and lower == e: store active
// (buffered), light fence (nothing at run time), c = upper.load(Acquire), fast iff c == u.
// Otherwise publish: store active, lower, upper, fence(SeqCst): the buffer drains first, so
// active, lower and upper become visible in program order before any later load.
inline pin(id) {
    e = epoch;
    if
    :: sticky && l == e ->
       store_active(1);
       c = upper[id];
       if
       :: c == u -> fast = true
       :: else -> skip
       fi;
       c = 0
    :: else -> skip
    fi;
    if
    :: !fast ->
       store_active(1);
       drain_all();
       lower[id] = e;
       atomic { upper[id] = e; u = e; l = e; sticky = true }
    :: else -> skip
    fi;
    atomic { e = 0; fast = false }
}

// protect(link): as in ibr.pml; the raise stores upper and fences (the buffer drains first).
inline protect(id, p, g) {
    do
    :: atomic { p = link; g = gen[p] };
       e = epoch;
       if
       :: e == u -> e = 0; break
       :: else ->
          drain_all();
          atomic { upper[id] = e; u = e; e = 0 }
       fi
    od
}

// A dereference: the node is still the allocated incarnation that protect returned.
#define VALID(p, g)  (state[p] != FREE && gen[p] == g)

// unpin (outermost), sticky: active.store(false, Release); the reservation stays.
inline unpin(id) {
    store_active(0)
}

proctype reader(byte id) {
    byte e, u, l, c, b, p1, g1, p2, g2, k;
    bool sticky = false, fast = false;
    for (k : 1 .. SESSIONS) {
        pin(id);
        protect(id, p1, g1);
        assert(VALID(p1, g1));
#if PROTECTS > 1
        protect(id, p2, g2);
        assert(VALID(p1, g1) && VALID(p2, g2));
#endif
        unpin(id);
        atomic { p1 = 0; g1 = 0; p2 = 0; g2 = 0 }
    }
    // Thread exit: the participant is released (clear_reservation, active = false) after the
    // last guard; the release runs with the slot's ownership hand-over, which fences.
    drain_all();
    atomic { upper[id] = MAX; lower[id] = MAX; act[id] = 0; readers_done++;
             k = 0; u = 0; l = 0; sticky = false }
}

// Drains the reader's store buffer one entry at a time, at any moment.
proctype drainer() {
    byte b;
    do
    :: atomic { bufn > 0 -> act[0] = buf[0]; buf[0] = buf[1]; buf[1] = buf[2];
                buf[2] = buf[3]; buf[3] = 0; bufn-- }
    :: atomic { readers_done == READERS && bufn == 0 -> break }
    od
}

// ---------------------------------------------------------------- writer side

// One replacement. First pick the lowest free node slot (writer-local: the writer is the only
// allocator and the only reclaimer); n = NIL when every slot is in use, and the replacement is
// skipped. Then, as one step: allocate (birth = epoch.load(Relaxed), written before
// publication), publish the new node and take the old one out of the link (swap), and retire
// the old node: push {old, birth, stamp}. Lazy stamping leaves the entry UNSTAMPED for the
// next scan; eager stamping reads the epoch right after the unlink. One step hides nothing: the
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
           if
           :: estamp[ecount] = UNSTAMPED                  // lazy (implemented)
           :: estamp[ecount] = epoch                      // eager
           fi;
           ecount++;
           n = 0; old = 0
       }
    :: else -> n = 0
    fi
}

// revoke (reader slot 0), at the writer's choice before any scan (the implementation revokes
// only when the reservation keeps entries; trying at every scan covers that): rv = upper;
// mark by CAS; heavy fence; ra = active.load(Acquire); CAS the mark to MAX if !ra, else back.
inline revoke() {
    if
    :: rv = upper[0];
       if
       :: rv != MAX && rv < REV ->
          atomic {
              if
              :: upper[0] == rv -> upper[0] = rv + REV; marked = true
              :: else -> skip
              fi
          };
          if
          :: marked ->
             drain_all();                                // the heavy fence
             ra = act[0];
             atomic {
                 if
                 :: upper[0] == rv + REV -> upper[0] = MAX      // BUG: ra is ignored
                 :: else -> skip
                 fi;
                 marked = false; ra = 0
             }
          :: else -> skip
          fi
       :: else -> skip
       fi;
       rv = 0
    :: skip
    fi
}

// scan: fence(SeqCst); r = epoch.load(SeqCst); stamp every UNSTAMPED entry with r; read every
// slot's upper, then its lower; free an entry iff every reservation has hi < birth || stamp < lo.
// The writer's own slot is copied in the first step (only the writer writes it).
inline scan() {
    revoke();
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
       atomic {
           if
           :: hi[s] == MAX -> lo[s] = MAX                // no reservation: lower is not read
           :: hi[s] != MAX && hi[s] >= REV -> hi[s] = hi[s] - REV; lo[s] = lower[s]
           :: hi[s] < REV -> lo[s] = lower[s]
           fi;
           s++
       }
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
    byte round, op, n, old, r, i, j, s, pin_epoch, rv, b;
    bit ra;
    bool marked = false;
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
        run drainer();
        run reader(0)
#if READERS > 1
        ; run reader(1)
#endif
#if READERS > 2
        ; run reader(2)
#endif
    }
}
