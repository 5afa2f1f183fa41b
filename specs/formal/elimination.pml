// Elimination slot of ccol-stack (stack/src/elimination.rs): a word (stamp, state) CASed as
// one unit plus a node field; pushes offer nodes (claim, store node, publish, spin, withdraw),
// pops take them (bounded polling `take_in` and one-look `take_waiting`), taken nodes are freed
// at once and their addresses reused by later offers. Expected: errors: 0 from a complete search.
//
// Protocol (one slot; EMPTY(s), CLAIMED(s), OFFER(s) are words with stamp s):
// - offer (pusher): read the word; not EMPTY(s) -> collision. CAS EMPTY(s) -> CLAIMED(s)
//   (failure -> collision), store node, store OFFER(s). Poll the word up to BUDGET times: a
//   word other than OFFER(s) means a pop took the node (hit). Then withdraw: CAS OFFER(s) ->
//   EMPTY(s+1); success gives the node back (timeout), failure means a pop took it (hit).
// - take (popper): read OFFER(s), read the node field, CAS OFFER(s) -> EMPTY(s+1); only the
//   winner owns the node. `take_in` polls up to POLL times for an OFFER word and makes one
//   take attempt; `take_waiting` looks once. The winner reads the node's value and frees the
//   node: its address goes back to the allocator and may carry the next offer (ABA).
//
// System: two pushers making ROUNDS1 (2) and ROUNDS2 (1) offers; a pusher allocates a node
// (any free address, reused ones included) when it holds none, i.e. at its first offer and
// after a hit, and offers the node it holds again after a timeout or a collision. Popper 1
// makes POPS (1) pops, each a `take_waiting` and then, as after a failed CAS on the top (a
// nondeterministic choice), a `take_in`; popper 2 makes one `take_waiting` pop, so two takers
// race for one offer. NADDR (2) addresses: reuse happens often, by the same pusher (its second
// offer at the address of its first, taken and freed) and by the other one. A pusher's
// polling may stop early (any budget up to BUDGET); `take_in` polls up to POLL times. The
// stack's top is not modelled: a pop that misses the slot is one the top served.
//
// Memory model: sequential consistency, one shared variable per statement (ghost variables
// aside); the orderings of the real code are left to loom.
//
// Checked (assertions), with ghost ownership: owner[a] is the party owning address a (FREE,
// a pusher or a popper), held[x] is the node party x believes it holds (a pusher's node is
// lent, held by nobody, while its offer is out), pstate[p] is pusher p's offer (IDLE, OUT or
// TAKEN):
// - a node is owned by exactly one party at every step: whoever believes it holds a node is
//   its owner, no two parties hold one node, and an owned node nobody holds is the owner's
//   outstanding offer (checked after every step that changes ownership, the only steps that
//   change these variables);
// - the claim is exclusive: the plain store of OFFER(s) finds the pusher's own CLAIMED(s);
// - a take wins only the node currently offered, still owned by the pusher that offered it;
// - a withdraw that succeeds gets back the pusher's own node, its own offer, not taken;
// - a pusher concludes "taken" (hit) only if a popper took its offer;
// - at the end no offer is left in the slot, every address is free or held by a pusher, and
//   every value pushed is either back with its pusher or was received by exactly one popper:
//   nothing lost, nothing duplicated.
//
// The twins differ only in the bug: elimination_nostamp_bad.pml (word = node pointer + state,
// no stamp) and elimination_noclaim_bad.pml (node stored before an EMPTY -> OFFER CAS, no
// claim). The word's tag is OFFERED_TAG / ENDED_TAG below, the node a take gets OFFERED_NODE.
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

// The word's tag: the stamp, bumped each time an offer ends.
#define OFFERED_TAG(s, n) (s)
#define ENDED_TAG(s)      ((s) + 1)
// Where a taker finds the offered node: the node field, read after the OFFER(s) word.
#define OFFERED_NODE(s)   slot_node

byte wtag = 0;            // the slot word: (tag, state), read and CASed as one unit
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
