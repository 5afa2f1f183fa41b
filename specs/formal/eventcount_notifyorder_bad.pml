// KNOWN BAD: the event count of eventcount.pml with a notifier that loads Wc before its push
// (and notifies after the push only if that earlier load was > 0).
// Expected: errors: 1, the no-lost-wake-up assertion (a popper parked forever with Q > 0).
//
// Counterexample (breadth-first, depth 62): popper 1 and the stealer take the first two
// items. Pusher A loads Wc = 0 for its second push. Popper 0's try_pop finds Q = 0; it
// listens (Wc = 1) and its recheck still finds Q = 0. Pusher A pushes (Q = 1) and, going by
// its stale Wc = 0, notifies nobody; popper 0 parks (one spurious return) and stays parked
// with Q = 1. Each side must publish first and look second (waiter: Wc++ then recheck;
// notifier: push then load Wc), or both can miss each other.
//
// Same system and checks as eventcount.pml; only the place of the notifier's Wc load
// differs.
//
// pan: -DMEMLIM=2048
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

// After a successful push, with the Wc the pusher loaded before it (w).
inline notify_one() {
    if
    :: w > 0 ->                                             // BROKEN: Wc as loaded before
       atomic { acquire(); mark_first() };
       unpark_release()
    :: else -> skip
    fi
}

inline push() {
    w = Wc;                                                 // BROKEN: before the push
    atomic {
        if
        :: !C -> Q++; pushed++; ok = true
        :: else -> ok = false
        fi
    };
    if
    :: ok -> notify_one(); ok = false
    :: else -> skip
    fi;
    w = 0
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
    byte t = NONE, i, k, w;
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
