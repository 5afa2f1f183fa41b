// The event count of eventcount.pml (read its header first: abstraction, steps, protocol)
// with close(): C = 1, then lock, mark every listed entry notified and unpark its thread,
// unlock (an unconditional notify_all). Expected: errors: 0 from a complete search.
//
// System: blocking poppers 0 and 1 each drain the queue (pop_blocking until it reports
// Closed), a pusher pushing 2 items (a push after close fails and notifies nobody) and a
// closer calling close() once, all interleaved freely. So close can land before, between or
// after the pushes, while poppers are outside the event, listed, or parked.
//
// Checked:
// 1. no lost wake-up: in every terminal state (the watchdog's `timeout`) no popper is parked
//    while Q > 0 or C, and every thread has returned (a parked popper is also an invalid end
//    state): close wakes every waiter listed when it takes the lock (one already notified
//    too); one that registers later finds Closed, or an item, in its recheck;
// 2. items are taken at most once, and the drain is complete: at the end Q = 0 and the items
//    the poppers got equal the successful pushes;
// 3. Closed is only reported with Q = 0 and C (asserted when pop_blocking returns it; C stays
//    1 and no push succeeds after it, so Q = 0 then still holds), and both poppers end with
//    Closed;
// plus the event's own invariants (notified only while listed, L and Wc agree, nobody listed
// at the end).
//
// SPIN reports no unreached statement except the forward in the wait path's drop_listener
// (consumed is 1 there).
//
// Variants checked while writing the model (not kept): close() that wakes the listeners
// before it sets C, or wakes only the first entry: both fail (lost wake-up); close() that
// skips the lock when it loads Wc = 0 after setting C: passes (7 243 730 states); the same
// with Wc loaded before setting C: fails.
//
// pan: -DMEMLIM=2048 -DCOLLAPSE
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define NPOP    2               // blocking poppers 0..NPOP-1: the only threads that wait
#define SPUR    1               // spurious park returns allowed per popper
#define NONE    255             // no thread
#define NPROCS  (NPOP + 2)      // poppers, pusher, closer

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
byte got[NPOP];                 // ghost: items each popper got
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

// close(): C = 1 (its own step), then under the lock every listed entry is marked notified
// and its thread unparked (each store its own step).
inline close() {
    C = true;
    atomic { acquire(); i = 0 };
    do
    :: i < Ln -> notified[L[i]] = true; permit[L[i]] = true; i++
    :: else -> break
    od;
    atomic { release(); i = 0 }
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

proctype drainer(byte me) {
    byte res, t = NONE, i;
    bool consumed;
    do
    :: pop_blocking(me);
       if
       :: res == R_CLOSED -> break
       :: else -> got[me]++
       fi
    od;
    atomic { res = 0; finished++ }
}

proctype pusher(byte n) {
    byte t = NONE, i, k;
    bool ok;
    for (k : 1 .. n) {
        push()
    }
    atomic { k = 0; finished++ }
}

proctype closer() {
    byte i;
    close();
    finished++
}

// Runs once nothing else can move: the terminal state.
proctype watchdog() {
    byte p;
    timeout ->
    for (p : 0 .. NPOP - 1) {
        assert(!parked[p] || (Q == 0 && !C))                // no lost wake-up
    }
    assert(finished == NPROCS);                             // every thread returned
    assert(C && Q == 0);                                    // drained
    assert(taken == pushed && got[0] + got[1] == pushed);   // nothing lost or taken twice
    assert(Wc == 0 && Ln == 0 && lk == 0)
}

init {
    byte p;
    atomic {
        for (p : 0 .. NPOP - 1) { spur[p] = SPUR }
        p = 0;
        run drainer(0);
        run drainer(1);
        run pusher(2);
        run closer();
        run watchdog()
    }
}
