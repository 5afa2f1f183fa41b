// KNOWN BAD: the elimination slot of elimination.pml with the stamp removed: the word is the
// offered node's pointer plus the state (a pointer with an OFFER bit), EMPTY and CLAIMED carry
// no pointer. Expected: an assertion violation (errors: 1): ABA through a reused node address.
//
// Counterexample: pusher 1 offers node A (word A|OFFER) and polls; a popper takes A (word
// EMPTY) and frees it; pusher 2 allocates the same address A, claims, and offers it: the word
// is A|OFFER again. Pusher 1 never saw the word change; its withdraw CAS A|OFFER -> EMPTY
// succeeds against pusher 2's offer, so it "gets back its node", which is pusher 2's (and
// carries pusher 2's value), while pusher 2 concludes that a pop took its node: the withdraw
// assertion (a successful withdraw returns the pusher's own, untaken offer) fails.
//
// Same system and checks as elimination.pml; only OFFERED_TAG / ENDED_TAG / OFFERED_NODE differ
// (the tag is the node pointer instead of a stamp, an ended offer leaves tag 0, and a taker
// takes the pointer from the word it read).
//
// pan: -DMEMLIM=2048
// gcc misreads the bounds-checked array stores in pan's undo code as overflows:
// pan: -Wno-stringop-overflow

#define PUSHERS 2
#define ROUNDS1 2          // offers of pusher 1 (allocating again after a hit)
#define ROUNDS2 1          // offers of pusher 2
#define POPPERS 2          // popper 2: one take_waiting pop
#define POPS    1          // pops of popper 1: take_waiting, then maybe take_in
#define BUDGET  2          // pusher's polls before it withdraws
#define POLL    2          // popper's polls in take_in
#define NADDR   2          // node addresses (explicit choice in alloc below)
#define MAXVAL  3          // values: at most one allocation per offer, ROUNDS1 + ROUNDS2
#define NIL     255

// Parties: 0 = free, 1..PUSHERS pushers, then the poppers.
#define FREE    0
#define Q1      3
#define Q2      4
#define NPARTY  4
#define NPROCS  (PUSHERS + POPPERS)

#define EMPTY   0
#define CLAIMED 1
#define OFFER   2

// Offer states of a pusher (ghost).
#define IDLE    0
#define OUT     1
#define TAKEN   2

// Outcomes.
#define HIT       1
#define TIMEOUT   2
#define COLLISION 3

// The word's tag: the offered node's pointer; EMPTY and CLAIMED words carry none (0, told
// apart by the state).
#define OFFERED_TAG(s, n) (n)
#define ENDED_TAG(s)      0
// Where a taker finds the offered node: the pointer in the word it read (the node field
// is still written, and no longer read).
#define OFFERED_NODE(s)   (s)

byte wtag = 0;            // the slot word: (pointer, state), read and CASed as one unit
byte wstate = EMPTY;
byte slot_node = NIL;     // the slot's node field

byte owner[NADDR];        // ghost: owner of each address (FREE, pusher, popper)
byte val[NADDR];          // the node at each address: the value (push instance) it carries
byte held[NPARTY + 1];    // ghost: the node each party believes it holds (NIL: none)
byte pstate[PUSHERS + 1]; // ghost: each pusher's offer (IDLE, OUT, TAKEN)
byte claimed_by = FREE;   // ghost: who owns the current CLAIMED word
byte offer_by = FREE;     // ghost: whose offer the slot shows (FREE: none)
byte offer_node = NIL;    // ghost: the node of that offer
byte got[MAXVAL];         // ghost: how many poppers received each value
bool kept[MAXVAL];        // ghost: the value was back with its pusher at the end
byte nvals = 0;
byte finished = 0;

// A node is owned by exactly one party: whoever holds it is its owner, at most one party
// holds it, and an owned node held by nobody is its owner's outstanding offer. Needs the
// caller's locals ca, cc, cx (reset to 0 so they do not split states).
inline owners_ok() {
    for (ca : 0 .. NADDR - 1) {
        cc = 0;
        for (cx : 1 .. NPARTY) {
            if
            :: held[cx] == ca -> assert(owner[ca] == cx); cc++
            :: else -> skip
            fi
        }
        assert(cc <= 1);
        assert(cc == 1 || owner[ca] == FREE ||
               (owner[ca] <= PUSHERS && offer_by == owner[ca] && offer_node == ca &&
                pstate[owner[ca]] == OUT))
    }
    ca = 0; cc = 0; cx = 0
}

// Pusher: a fresh node at any free address (reuse included), carrying a new value. Spelled
// out for NADDR == 2. If both addresses are taken (the other pusher's node, and a popper's
// that it frees right after its take) this waits for the popper's free.
inline alloc(me) {
    atomic {                                        // atomic, not d_step: the choice is free
        if
        :: owner[0] == FREE -> n = 0
        :: owner[1] == FREE -> n = 1
        fi;
        owner[n] = me; val[n] = nvals; nvals++; held[me] = n;
        owners_ok()
    }
}

// Pusher: the offer of node n (its own, held) in the slot; outcome HIT, TIMEOUT or COLLISION.
inline offer_in(me) {
    d_step {                                        // Relaxed load, a hint
        s = wtag;
        if
        :: wstate == EMPTY -> ok = true
        :: else -> s = 0; ok = false
        fi
    };
    if
    :: !ok -> outcome = COLLISION
    :: else ->
       d_step {                                     // claim CAS EMPTY(s) -> CLAIMED(s)
           if
           :: wtag == s && wstate == EMPTY -> wstate = CLAIMED; claimed_by = me; ok = true
           :: else -> ok = false
           fi
       };
       if
       :: !ok -> outcome = COLLISION
       :: else ->
          d_step {                                  // store node: the slot is ours
              assert(wtag == s && wstate == CLAIMED && claimed_by == me);
              slot_node = n
          };
          d_step {                                  // store OFFER(s): the claim is ours
              assert(wtag == s && wstate == CLAIMED && claimed_by == me);
              wtag = OFFERED_TAG(s, n); wstate = OFFER; claimed_by = FREE;
              offer_by = me; offer_node = n; pstate[me] = OUT; held[me] = NIL;
              owners_ok()
          };
          outcome = TIMEOUT;
          i = 0;
          do
          :: i < BUDGET ->                          // poll: has a pop taken it?
             d_step {
                 if
                 :: wtag == OFFERED_TAG(s, n) && wstate == OFFER -> i++
                 :: else ->
                    assert(pstate[me] == TAKEN);
                    pstate[me] = IDLE; outcome = HIT
                 fi
             };
             if
             :: outcome == HIT -> break
             :: else -> skip
             fi
          :: break                                  // a smaller budget
          od;
          if
          :: outcome == HIT -> skip
          :: else ->
             d_step {                               // withdraw CAS OFFER(s) -> EMPTY(s+1)
                 if
                 :: wtag == OFFERED_TAG(s, n) && wstate == OFFER ->
                    wtag = ENDED_TAG(s); wstate = EMPTY;
                    // It gets back ITS node, from its own offer, which no pop took.
                    assert(offer_by == me && offer_node == n && pstate[me] == OUT &&
                           owner[n] == me);
                    offer_by = FREE; offer_node = NIL; pstate[me] = IDLE; held[me] = n;
                    owners_ok()
                 :: else ->
                    assert(pstate[me] == TAKEN);
                    pstate[me] = IDLE; outcome = HIT
                 fi
             }
          fi;
          i = 0
       fi
    fi;
    s = 0; ok = false
}

proctype pusher(byte me; byte rounds) {
    byte n = NIL, s, i, round, outcome;
    bool ok;
    byte ca, cc, cx;
    for (round : 1 .. rounds) {
        if
        :: n == NIL -> alloc(me)
        :: else -> skip
        fi;
        offer_in(me);
        if
        :: outcome == HIT -> n = NIL               // the push is done; the node is a pop's
        :: else -> skip                             // still ours: retried next round
        fi;
        outcome = 0
    }
    atomic {
        if
        :: n != NIL -> assert(held[me] == n && owner[n] == me); kept[val[n]] = true
        :: else -> skip
        fi;
        finished++
    }
}

// Popper: find the node of the OFFER(s) word just read, then CAS OFFER(s) -> EMPTY(s+1).
inline take_offer(me) {
    n = OFFERED_NODE(s);
    d_step {
        if
        :: wtag == s && wstate == OFFER ->
           wtag = ENDED_TAG(s); wstate = EMPTY;
           // Only the node currently offered, still its pusher's.
           assert(offer_by != FREE && n == offer_node && owner[n] == offer_by &&
                  pstate[offer_by] == OUT);
           owner[n] = me; held[me] = n; pstate[offer_by] = TAKEN;
           offer_by = FREE; offer_node = NIL;
           owners_ok();
           outcome = HIT
        :: else -> n = NIL; outcome = COLLISION
        fi;
        s = 0
    }
}

// One look at the slot; take the offer if there is one.
inline take_waiting(me) {
    d_step {                                        // Acquire load
        s = wtag;
        if
        :: wstate == OFFER -> outcome = COLLISION   // to be decided by take_offer
        :: else -> s = 0; outcome = TIMEOUT
        fi
    };
    if
    :: outcome == COLLISION -> take_offer(me)
    :: else -> skip
    fi
}

// Poll up to POLL times for an offer, then one take attempt.
inline take_in(me) {
    outcome = TIMEOUT;
    i = 0;
    do
    :: i < POLL ->
       d_step {                                     // Acquire load
           s = wtag;
           if
           :: wstate == OFFER -> outcome = COLLISION
           :: else -> s = 0; i++
           fi
       };
       if
       :: outcome == COLLISION -> take_offer(me); break
       :: else -> skip
       fi
    :: i == POLL -> break
    od;
    i = 0
}

// The pop's winner reads the value and frees the node at once (its address may be reused).
inline consume(me) {
    d_step {
        assert(n != NIL && held[me] == n && owner[n] == me && got[val[n]] == 0);
        got[val[n]]++;
        owner[n] = FREE; held[me] = NIL; n = NIL;
        owners_ok()
    }
}

proctype popper(byte me; byte pops; bool polls) {
    byte n = NIL, s, i, k, outcome;
    byte ca, cc, cx;
    for (k : 1 .. pops) {
        take_waiting(me);
        if
        :: outcome != HIT && polls -> take_in(me)   // the CAS on the top failed
        :: skip                                     // a hit, or the top served the pop
        fi;
        if
        :: outcome == HIT -> consume(me)
        :: else -> skip
        fi;
        s = 0; outcome = 0
    }
    finished++
}

init {
    byte a, v;
    atomic {
        held[0] = NIL; held[1] = NIL; held[2] = NIL; held[3] = NIL; held[4] = NIL;
        run pusher(1, ROUNDS1);
        run pusher(2, ROUNDS2);
        run popper(Q1, POPS, true);
#if POPPERS == 2
        run popper(Q2, 1, false)
#endif
    }
    (finished == NPROCS);
    assert(wstate == EMPTY && offer_by == FREE);
    // Every address is free or held by a pusher that got its node back.
    for (a : 0 .. NADDR - 1) {
        assert(owner[a] == FREE || (owner[a] <= PUSHERS && held[owner[a]] == a))
    }
    // Every value is back with its pusher or was received by exactly one popper.
    for (v : 0 .. MAXVAL - 1) {
        assert(v >= nvals || got[v] + kept[v] == 1)
    }
}
