// The event count behind ccol-queues' blocking pops (pop_blocking, pop_timeout, and the
// mirror push_blocking on a full bounded queue): a waiter registers a listener entry, re-checks
// the queue, then parks until a notifier marks its entry; a listener that returns without
// consuming a notification forwards it. Expected: errors: 0 from a complete search.
//
// Abstraction:
// - the queue is an item count Q and a closed flag C. push is one atomic step (if !C then
//   Q++ else fail); try_pop is one atomic step that takes an item (Q--), or reports Closed if
//   Q = 0 and C, or reports empty. So Closed must come from the queue's own try_pop (or from
//   a try_pop that fails after C was seen set: no push succeeds after close); a failed
//   try_pop followed by a separate load of C is wrong (eventcount_closedload_bad.pml). The
//   queue's own linearizability is checked elsewhere (scq*.pml, loom); here only the
//   wait/notify protocol around it is in question;
// - Promela is sequentially consistent, so the model says nothing about memory orderings.
//   The protocol rests on two store-load pairs (waiter: Wc++ then the recheck's loads of the
//   queue; notifier: its push then the load of Wc), a Dekker pattern that needs SeqCst fences
//   on both sides in Rust; that argument lives in the Rust docs and loom, not here;
// - the event: Wc (registered listeners, an atomic read by notifiers without the lock), a lock,
//   the list L of entries in registration order, one entry per waiting thread with an atomic
//   `notified` flag the waiter reads without the lock, and a park permit per thread (std's
//   park/unpark token: unpark sets it, park takes it or blocks, a leftover permit makes the
//   next park return at once). park may also return spuriously, at most SPUR times per thread
//   (bounded so that a thread that nobody will ever unpark does block: unbounded spurious
//   returns would turn a lost wake-up into a livelock no safety search sees);
// - steps: each atomic step holds at most one access to a variable another thread accesses
//   without the lock (Q and C, Wc, a thread's notified flag as its owner reads it, a permit),
//   together with a lock acquire before it, a release after it and lock-only accesses (L, and
//   notified as lock holders read it: it is written only under the lock). An acquire moves
//   right, a release left, lock-only accesses both ways (Lipton's reduction), so merging them
//   loses no behaviour. push and try_pop are one step each: the queue's linearization points.
//
// The protocol (as in the Rust design):
//   notify_one, after a successful push: Q++; if Wc > 0 { lock; first entry with
//     notified = 0 gets notified = 1, its thread unparked; unlock } (none un-notified: nothing);
//   pop_blocking: loop { try_pop -> item or Closed;
//     listen: lock, append own entry {notified = 0}, Wc++, unlock;
//     recheck: try_pop -> item or Closed: drop_listener(e, consumed = false), return;
//     wait: while !e.notified { park }; drop_listener(e, consumed = true) };
//   drop_listener(e, consumed): lock; remove e; Wc--; if e.notified && !consumed { forward:
//     first entry with notified = 0 gets notified = 1 and is unparked }; unlock.
//
// System: blocking poppers 0 and 1 (one pop_blocking each), a stealer (one plain try_pop, at
// any time, which may take an item a notified waiter was woken for), pusher A pushing 2 items
// and pusher B pushing 1 (so two notifiers can race for the lock), all interleaved freely.
// Three items for at most three pops: every blocking popper must get an item.
//
// Checked:
// 1. no lost wake-up: in every terminal state (the watchdog's `timeout`: nothing can move)
//    no popper is parked while Q > 0 or C; and every popper has returned (a parked popper is
//    also an invalid end state);
// 2. items are taken at most once (Q never goes below 0, taken + Q = pushed at the end) and
//    both blocking poppers got an item;
// 3. Closed is only reported with Q = 0 and C (never here: nobody closes);
// plus the event's own invariants: a thread is notified only while listed, L and Wc agree,
// and at the end nobody is listed.
//
// SPIN reports no unreached statement except the failed push (nobody closes here:
// eventcount_close.pml) and the forward in the wait path's drop_listener (consumed is 1
// there).
//
// Variants checked while writing the model (not kept): three blocking poppers and no stealer
// (same pushers): errors: 0, 22 253 929 states, 30 s, 1.2 GB with -DCOLLAPSE (the missing
// forward fails there too); SPUR 0 and SPUR 2: errors: 0 (1 122 404 and 4 852 464 states); a
// notify_one that marks the first entry even if it is already notified: fails (lost
// wake-up). A waiter that takes any return from park as its notification (no notified test,
// consumed = 1) still passes: it tries the queue again before it could wait again. What the
// forward protects is a listener that leaves without trying the queue after it was notified;
// a listener that drops its entry and then calls try_pop needs no forward.
//
// pan: -DMEMLIM=2048 -DCOLLAPSE
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define NPOP    2               // blocking poppers 0..NPOP-1: the only threads that wait
#define SPUR    1               // spurious park returns allowed per popper
#define NONE    255             // no thread
#define NPROCS  (NPOP + 3)      // poppers, stealer, two pushers

// pop results
#define R_NONE   0              // try_pop: empty (not closed)
#define R_ITEM   1
#define R_CLOSED 2

byte Q = 0;                     // items in the queue
bool C = false;                 // closed flag

byte Wc = 0;                    // registered listeners (read without the lock)
byte lk = 0;                    // the event's lock: 0 free, else the holder's _pid + 1
byte L[NPOP];                   // listed threads in registration order (lock-only) ...
byte Ln = 0;                    // ... and how many
bool notified[NPOP];            // the notified flag of each thread's current entry
bool permit[NPOP];              // park/unpark token
byte spur[NPOP];                // spurious park returns left

bool listed[NPOP];              // ghost: the thread's entry is in L
bool parked[NPOP];              // ghost: blocked in park
byte pushed = 0;                // ghost: successful pushes
byte taken = 0;                 // ghost: successful try_pops
byte got[NPOP];                 // ghost: each blocking popper's result
byte finished = 0;

// ---------------------------------------------------------------------------------------------
// The queue.

inline try_pop(r) {
    atomic {
        if
        :: Q > 0 -> Q--; taken++; assert(taken <= pushed); r = R_ITEM
        :: Q == 0 && C -> r = R_CLOSED
        :: else -> r = R_NONE
        fi
    }
}

// ---------------------------------------------------------------------------------------------
// The event. Callers declare byte t = NONE, i (scratch, t reset by unpark_release, i after use).

inline acquire() {
    !lk -> lk = _pid + 1
}

inline release() {
    assert(lk == _pid + 1); lk = 0
}

// Lock held: t = the first listed thread whose entry is not notified, or NONE.
inline first_unnotified() {
    t = NONE; i = 0;
    do
    :: i < Ln && t == NONE ->
       if
       :: !notified[L[i]] -> t = L[i]
       :: else -> skip
       fi;
       i++
    :: else -> break
    od;
    i = 0
}

// Lock held: mark the first un-notified entry (t), releasing the lock if there is none.
inline mark_first() {
    first_unnotified();
    if
    :: t != NONE -> assert(listed[t]); notified[t] = true
    :: else -> release()
    fi
}

// Lock held, t marked (or NONE): unpark t and release the lock.
inline unpark_release() {
    atomic {
        if
        :: t != NONE -> permit[t] = true; release(); t = NONE
        :: else -> skip
        fi
    }
}

// After a successful push. The Wc load is its own step, after the push.
inline notify_one() {
    if
    :: Wc > 0 ->
       atomic { acquire(); mark_first() };
       unpark_release()
    :: else -> skip
    fi
}

inline push() {
    atomic {
        if
        :: !C -> Q++; pushed++; ok = true
        :: else -> ok = false
        fi
    };
    if
    :: ok -> notify_one(); ok = false
    :: else -> skip
    fi
}

// Register a fresh entry {notified = 0} at the end of L: lock, append, Wc++, unlock.
inline listen(me) {
    atomic {
        !lk ->                                              // lock ... unlock
        assert(!listed[me] && Ln < NPOP && Wc == Ln);
        L[Ln] = me; Ln++; listed[me] = true; notified[me] = false;
        Wc++
    }
}

// Lock; remove me's entry; Wc--; forward a notification it got but did not consume; unlock.
inline drop_listener(me) {
    atomic {
        acquire();
        assert(listed[me] && Wc == Ln);
        i = 0;
        do
        :: L[i] == me -> break
        :: else -> i++
        od;
        do
        :: i + 1 < Ln -> L[i] = L[i + 1]; i++
        :: else -> break
        od;
        Ln--; L[Ln] = 0; i = 0; listed[me] = false;
        Wc--
    };
    atomic {
        if
        :: notified[me] && !consumed -> mark_first()        // forward
        :: else -> t = NONE; release()
        fi
    };
    unpark_release()
}

// Blocks until the permit is there (and takes it), or returns spuriously while SPUR lasts.
inline park(me) {
    atomic {
        parked[me] = true;
        if
        :: permit[me] -> permit[me] = false
        :: spur[me] > 0 -> spur[me]--
        fi;
        parked[me] = false
    }
}

// ---------------------------------------------------------------------------------------------
// pop_blocking(me): result in res (R_ITEM or R_CLOSED). Callers declare byte res, t = NONE, i and
// bool consumed.

inline pop_blocking(me) {
    res = R_NONE;
    do
    :: res != R_NONE -> break
    :: else ->
       try_pop(res);
       if
       :: res == R_NONE ->
          listen(me);
          try_pop(res);                                     // recheck
          if
          :: res != R_NONE -> consumed = false; drop_listener(me)   // not consumed
          :: else ->
             do                                             // wait
             :: notified[me] -> break
             :: else -> park(me)
             od;
             consumed = true;                               // notified was read as 1
             drop_listener(me);
             consumed = false
          fi
       :: else -> skip
       fi
    od;
    assert(res != R_CLOSED || (Q == 0 && C))
}

proctype popper(byte me) {
    byte res, t = NONE, i;
    bool consumed;
    pop_blocking(me);
    atomic { got[me] = res; res = 0; finished++ }
}

proctype stealer() {
    byte r;
    try_pop(r);
    atomic { r = 0; finished++ }
}

proctype pusher(byte n) {
    byte t = NONE, i, k;
    bool ok;
    for (k : 1 .. n) {
        push()
    }
    atomic { k = 0; finished++ }
}

// Runs once nothing else can move: the terminal state.
proctype watchdog() {
    byte p;
    timeout ->
    for (p : 0 .. NPOP - 1) {
        assert(!parked[p] || (Q == 0 && !C))                // no lost wake-up
    }
    assert(finished == NPROCS);                             // every thread returned
    assert(taken + Q == pushed && pushed == 3);             // nothing lost or taken twice
    for (p : 0 .. NPOP - 1) {
        assert(got[p] == R_ITEM)
    }
    assert(Wc == 0 && Ln == 0 && lk == 0)
}

init {
    byte p;
    atomic {
        for (p : 0 .. NPOP - 1) { spur[p] = SPUR }
        p = 0;
        run popper(0);
        run popper(1);
        run stealer();
        run pusher(2);
        run pusher(1);
        run watchdog()
    }
}
