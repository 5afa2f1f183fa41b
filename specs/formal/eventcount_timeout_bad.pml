// KNOWN BAD: the event count with pop_timeout of eventcount_timeout.pml, where a waiter whose
// deadline has passed returns Empty right after dropping its listener, even when it consumed
// a notification (no retry, no forward): the deadline wins over the wake-up.
// Expected: errors: 1, the no-lost-wake-up assertion (popper 1 parked forever with Q > 0).
//
// Counterexample (breadth-first, depth 76): both poppers' try_pop find Q = 0; popper 0 (timed)
// listens, then popper 1 (blocking): L = [0, 1]. Both rechecks find Q = 0; popper 1 parks.
// The pusher pushes the item and notifies the first un-notified entry, popper 0's. Popper 0's
// park returns at the deadline, it reads notified = 1 (consumed), drops its listener (a
// consumed notification is not forwarded) and returns Empty; popper 1 stays parked with
// Q = 1. A waiter that consumed a notification must try the queue again before giving up
// (eventcount_timeout.pml loops to try_pop, then reports Empty); one that did not consume it
// forwards it.
//
// Same system and checks as eventcount_timeout.pml; only the step after drop_listener
// differs.
//
// pan: -DMEMLIM=2048
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define NPOP    2               // poppers (0 timed, 1 blocking): the only threads that wait
#define SPUR    1               // spurious park returns allowed per popper
#define NONE    255             // no thread
#define NPROCS  (NPOP + 1)      // poppers, pusher
#define ITEMS   1               // pushes

// pop results
#define R_NONE   0              // try_pop: empty (not closed)
#define R_ITEM   1
#define R_CLOSED 2
#define R_EMPTY  3              // pop_timeout: the deadline passed

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
byte got[NPOP];                 // ghost: each popper's result
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
end_park:                                                   // checked by the watchdog
        if
        :: permit[me] -> permit[me] = false
        :: spur[me] > 0 -> spur[me]--
        fi;
        parked[me] = false
    }
}

// park_timeout: returns with the permit, spuriously, or at the deadline (sets expired).
inline park_timed(me) {
    atomic {
        if
        :: permit[me] -> permit[me] = false
        :: spur[me] > 0 -> spur[me]--
        :: expired = true
        fi
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

// pop_timeout(me): result in res (R_ITEM, R_CLOSED or R_EMPTY). The deadline may pass at any
// point: while parked (park_timed), or while running, which makes no difference before the
// wait except at the top of the loop (checked there before listening again). Callers
// declare byte res, t = NONE, i and bool consumed, expired.
inline pop_timeout(me) {
    res = R_NONE;
    do
    :: res != R_NONE -> break
    :: else ->
       try_pop(res);
       if
       :: res == R_NONE ->
          if
          :: !expired -> expired = true                     // the deadline passes now
          :: true -> skip
          fi
       :: else -> skip
       fi;
       if
       :: res == R_NONE && expired -> res = R_EMPTY         // deadline passed: no new wait
       :: res == R_NONE && !expired ->
          listen(me);
          try_pop(res);                                     // recheck
          if
          :: res != R_NONE -> consumed = false; drop_listener(me)
          :: else ->
             do                                             // wait until notified or deadline
             :: notified[me] -> break
             :: else ->
                if
                :: expired -> break
                :: else -> park_timed(me)
                fi
             od;
             consumed = notified[me];                       // read again after the wait
             drop_listener(me);
             if
             :: expired -> res = R_EMPTY                    // BROKEN: even if consumed
             :: else -> skip                                // consumed: loop (try_pop first)
             fi;
             consumed = false
          fi
       :: else -> skip
       fi
    od;
    assert(res != R_CLOSED || (Q == 0 && C))
}

proctype timed(byte me) {
    byte res, t = NONE, i;
    bool consumed, expired;
    pop_timeout(me);
    atomic { got[me] = res; res = 0; expired = false; finished++ }
}

proctype blocking(byte me) {
    byte res, t = NONE, i;
    bool consumed;
    pop_blocking(me);
    atomic { got[me] = res; res = 0; finished++ }
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
        assert(!parked[p] || (Q == 0 && !C))                // no lost wake-up: nothing stranded
    }
    // Only the blocking popper may be left, parked (its end_park), with nothing to take.
    assert(finished == NPROCS || (finished == NPROCS - 1 && parked[1]));
    assert(got[0] == R_ITEM || got[0] == R_EMPTY);
    assert(got[1] == R_ITEM || (got[1] == R_NONE && parked[1]));
    assert(taken + Q == pushed && pushed == ITEMS);         // nothing lost or taken twice
    assert(taken == (got[0] == R_ITEM) + (got[1] == R_ITEM));
    assert(Wc == (parked[1] -> 1 : 0) && lk == 0)
}

init {
    byte p;
    atomic {
        for (p : 0 .. NPOP - 1) { spur[p] = SPUR }
        p = 0;
        run timed(0);
        run blocking(1);
        run pusher(ITEMS);
        run watchdog()
    }
}
