/*
 * Bracha's reliable broadcast, n = 4, f = 1, sender p0, Byzantine p3, values {0, 1}:
 * the same instance and the same abstraction as `rio explore specs/bracha-broadcast.rio`
 * (bench/explore/run.ts runs both). One atomic step delivers one message in flight (any
 * order) or one forged message from p3 (each message to each process at most once), and
 * then runs the receiver's rules to quiescence in declaration order, as the rio engine
 * does. Messages to p3 are dropped (p3 runs no code). Receipt is idempotent per
 * (sender, message). Safety: agreement among p0..p2.
 */
#define N 4
#define F 1
#define V 2
#define BYZ 3
#define NONE 2
#define SEND 0
#define ECHO 1
#define READY 2
#define IDX(to, from, t, v) ((((to) * N + (from)) * 3 + (t)) * V + (v))

bit inflight[N * N * 3 * V];
bit recv[N * N * 3 * V];
bit forged[N * 3 * V];
bit sentEcho[N];
bit sentReady[N];
byte delivered[N];
bit requested;

inline bcast(from, t, v) {
  q = 0;
  do
  :: q < N -> if :: q != BYZ -> inflight[IDX(q, from, t, v)] = 1 :: else -> skip fi; q++
  :: else -> break
  od
}

inline count(to, t, v, c) {
  c = 0; s = 0;
  do
  :: s < N -> if :: recv[IDX(to, s, t, v)] -> c++ :: else -> skip fi; s++
  :: else -> break
  od
}

/* The rules of process `to` after a receipt, to quiescence. */
inline settle(to) {
  changed = 1;
  do
  :: changed ->
    changed = 0;
    /* upon receiving SEND(m) from sender when not sentEcho */
    w = 0;
    do
    :: w < V && !changed ->
      if :: recv[IDX(to, 0, SEND, w)] && !sentEcho[to] -> sentEcho[to] = 1; bcast(to, ECHO, w); changed = 1
         :: else -> skip fi; w++
    :: else -> break
    od;
    /* upon receiving ECHO(m) from more than (n + f) / 2 processes when not sentReady */
    w = 0;
    do
    :: w < V && !changed ->
      count(to, ECHO, w, c);
      if :: c > (N + F) / 2 && !sentReady[to] -> sentReady[to] = 1; bcast(to, READY, w); changed = 1
         :: else -> skip fi; w++
    :: else -> break
    od;
    /* upon receiving READY(m) from f + 1 processes when not sentReady */
    w = 0;
    do
    :: w < V && !changed ->
      count(to, READY, w, c);
      if :: c >= F + 1 && !sentReady[to] -> sentReady[to] = 1; bcast(to, READY, w); changed = 1
         :: else -> skip fi; w++
    :: else -> break
    od;
    /* upon receiving READY(m) from 2 * f + 1 processes when delivered = none */
    w = 0;
    do
    :: w < V && !changed ->
      count(to, READY, w, c);
      if :: c >= 2 * F + 1 && delivered[to] == NONE -> delivered[to] = w; changed = 1
         :: else -> skip fi; w++
    :: else -> break
    od
  :: else -> break
  od
}

active proctype world() {
  byte i, to, from, t, v, q, s, c, w;
  bit changed;
  /* Scratch variables are reset to 0 after each step so that they do not split states. */
  i = 0;
  do :: i < N -> delivered[i] = NONE; i++ :: else -> break od;
  i = 0;
end:
  do
  /* the workload: p0 is asked broadcast(0) */
  :: atomic { !requested -> requested = 1; bcast(0, SEND, 0); q = 0 }
  /* deliver any message in flight */
  :: atomic {
       to = 0; from = 0; t = 0; v = 0;
       do :: to < N - 1 -> to++ :: break od;
       do :: from < N - 1 -> from++ :: break od;
       do :: t < 2 -> t++ :: break od;
       do :: v < V - 1 -> v++ :: break od;
       if
       :: inflight[IDX(to, from, t, v)] ->
          inflight[IDX(to, from, t, v)] = 0;
          recv[IDX(to, from, t, v)] = 1;
          settle(to)
       :: else -> skip /* nothing in flight there: no change (a matched state) */
       fi;
       to = 0; from = 0; t = 0; v = 0; q = 0; s = 0; c = 0; w = 0
     }
  /* p3 forges any message to any correct process, once each */
  :: atomic {
       to = 0; t = 0; v = 0;
       do :: to < N - 2 -> to++ :: break od;
       do :: t < 2 -> t++ :: break od;
       do :: v < V - 1 -> v++ :: break od;
       if
       :: !forged[(to * 3 + t) * V + v] ->
          forged[(to * 3 + t) * V + v] = 1;
          recv[IDX(to, BYZ, t, v)] = 1;
          settle(to)
       :: else -> skip
       fi;
       to = 0; t = 0; v = 0; q = 0; s = 0; c = 0; w = 0
     }
  od
}

/* Agreement among the correct processes p0..p2. */
active proctype agreement() {
end:
  atomic {
    !((delivered[0] == NONE || delivered[1] == NONE || delivered[0] == delivered[1]) &&
      (delivered[0] == NONE || delivered[2] == NONE || delivered[0] == delivered[2]) &&
      (delivered[1] == NONE || delivered[2] == NONE || delivered[1] == delivered[2])) ->
    assert(false)
  }
}
