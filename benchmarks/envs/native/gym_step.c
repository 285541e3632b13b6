// Native MuJoCo baseline: Gymnasium-v5 locomotion step protocol (obs, reward, termination, noisy auto-reset) in C.
// Usage: gym_step <model.xml> <HalfCheetah|Hopper|Walker2d|Ant|Humanoid> <seconds> <repeats> <warmup_steps>
// Prints one line: version, env steps/s per repeat (wall clock, uniform random actions in ctrlrange), return and obs checksums.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mujoco/mujoco.h>

enum { CHEETAH, HOPPER, WALKER, ANT, HUMANOID };

static unsigned long long rng = 0x9E3779B97F4A7C15ull;
/* splitmix64 → uniform [0, 1) */
static double uniform01(void) {
  unsigned long long z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}
static double normal01(void) {
  double u = uniform01(), v = uniform01();
  return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}
static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

typedef struct {
  int kind, frame_skip, contact, normal_qvel;
  double noise, w_fwd, w_ctrl;
} Task;

static const mjModel* m;
static mjData* d;
static Task task;
static double obs[512];
static double pos_before[2];
static double total_mass;
static double checksum;

static void tracked_position(double* out) {
  if (task.kind == ANT) {
    out[0] = d->xpos[3];
    out[1] = d->xpos[4];
  } else if (task.kind == HUMANOID) {
    double sx = 0, sy = 0;
    for (int b = 0; b < m->nbody; b++) {
      sx += m->body_mass[b] * d->xipos[3 * b];
      sy += m->body_mass[b] * d->xipos[3 * b + 1];
    }
    out[0] = sx / total_mass;
    out[1] = sy / total_mass;
  } else {
    out[0] = d->qpos[0];
    out[1] = 0;
  }
}

static void reset(void) {
  mj_resetData(m, d);
  for (int i = 0; i < m->nq; i++) d->qpos[i] = m->qpos0[i] + task.noise * (2 * uniform01() - 1);
  for (int i = 0; i < m->nv; i++) d->qvel[i] = task.normal_qvel ? task.noise * normal01() : task.noise * (2 * uniform01() - 1);
  mj_forward(m, d);
  tracked_position(pos_before);
}

static int observe(void) {
  int k = 0;
  int skip = (task.kind == ANT || task.kind == HUMANOID) ? 2 : 1;
  double vclip = (task.kind == HOPPER || task.kind == WALKER) ? 10 : INFINITY;
  for (int i = skip; i < m->nq; i++) obs[k++] = d->qpos[i];
  for (int i = 0; i < m->nv; i++) obs[k++] = clip(d->qvel[i], -vclip, vclip);
  if (task.kind == ANT)
    for (int i = 6; i < 6 * m->nbody; i++) obs[k++] = clip(d->cfrc_ext[i], -1, 1);
  if (task.kind == HUMANOID) {
    for (int i = 10; i < 10 * m->nbody; i++) obs[k++] = d->cinert[i];
    for (int i = 6; i < 6 * m->nbody; i++) obs[k++] = d->cvel[i];
    for (int i = 6; i < m->nv; i++) obs[k++] = d->qfrc_actuator[i];
    for (int i = 6; i < 6 * m->nbody; i++) obs[k++] = d->cfrc_ext[i];
  }
  return k;
}

/* One env step; returns 1 when the episode terminated. Accumulates the reward into *ret. */
static int step(const double* action, double* ret) {
  for (int i = 0; i < m->nu; i++) d->ctrl[i] = action[i];
  for (int i = 0; i < task.frame_skip; i++) mj_step(m, d);
  if (task.contact) mj_rnePostConstraint(m, d);
  double after[2];
  tracked_position(after);
  double dt = m->opt.timestep * task.frame_skip;
  double vx = (after[0] - pos_before[0]) / dt;
  pos_before[0] = after[0];
  pos_before[1] = after[1];
  double ctrl = 0;
  for (int i = 0; i < m->nu; i++) ctrl += (task.kind == HUMANOID ? d->ctrl[i] * d->ctrl[i] : action[i] * action[i]);
  const double* q = d->qpos;
  int healthy = 1;
  double contact = 0;
  switch (task.kind) {
    case HOPPER:
      healthy = q[1] > 0.7 && q[2] > -0.2 && q[2] < 0.2;
      for (int i = 2; i < m->nq; i++) healthy = healthy && q[i] > -100 && q[i] < 100;
      for (int i = 0; i < m->nv; i++) healthy = healthy && d->qvel[i] > -100 && d->qvel[i] < 100;
      break;
    case WALKER: healthy = q[1] > 0.8 && q[1] < 2 && q[2] > -1 && q[2] < 1; break;
    case ANT:
      for (int i = 0; i < m->nq; i++) healthy = healthy && isfinite(q[i]);
      for (int i = 0; i < m->nv; i++) healthy = healthy && isfinite(d->qvel[i]);
      healthy = healthy && q[2] >= 0.2 && q[2] <= 1.0;
      for (int i = 0; i < 6 * m->nbody; i++) { double c = clip(d->cfrc_ext[i], -1, 1); contact += c * c; }
      contact *= 5e-4;
      break;
    case HUMANOID:
      healthy = q[2] > 1 && q[2] < 2;
      for (int i = 0; i < 6 * m->nbody; i++) contact += d->cfrc_ext[i] * d->cfrc_ext[i];
      contact = fmin(5e-7 * contact, 10);
      break;
    default: break;
  }
  double survive = task.kind == CHEETAH ? 0 : (healthy ? (task.kind == HUMANOID ? 5 : 1) : 0);
  /* the observation feeds a checksum that main prints, so the compiler cannot drop its computation */
  *ret += task.w_fwd * vx + survive - (task.w_ctrl * ctrl + contact);
  checksum += obs[observe() - 1];
  return task.kind != CHEETAH && !healthy;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s model.xml HalfCheetah|Hopper|Walker2d|Ant|Humanoid seconds repeats warmup_steps\n", argv[0]);
    return 2;
  }
  const char* name = argv[2];
  if (!strcmp(name, "HalfCheetah")) task = (Task){CHEETAH, 5, 0, 1, 0.1, 1, 0.1};
  else if (!strcmp(name, "Hopper")) task = (Task){HOPPER, 4, 0, 0, 5e-3, 1, 1e-3};
  else if (!strcmp(name, "Walker2d")) task = (Task){WALKER, 4, 0, 0, 5e-3, 1, 1e-3};
  else if (!strcmp(name, "Ant")) task = (Task){ANT, 5, 1, 1, 0.1, 1, 0.5};
  else if (!strcmp(name, "Humanoid")) task = (Task){HUMANOID, 5, 1, 0, 1e-2, 1.25, 0.1};
  else { fprintf(stderr, "unknown env %s\n", name); return 2; }
  char err[1000] = "";
  m = mj_loadXML(argv[1], NULL, err, sizeof err);
  if (!m) { fprintf(stderr, "could not load %s: %s\n", argv[1], err); return 1; }
  d = mj_makeData(m);
  for (int b = 0; b < m->nbody; b++) total_mass += m->body_mass[b];
  double seconds = atof(argv[3]);
  int repeats = atoi(argv[4]);
  long warmup = atol(argv[5]);
  double action[64];
  double ret = 0;
  long t = 0;
  reset();
  printf("%s", mj_versionString());
  for (int r = -1; r < repeats; r++) {
    long n = 0;
    double t0 = now(), elapsed = 0;
    /* r = -1 is the warm-up round (fixed step count, not reported) */
    while (r < 0 ? n < warmup : (elapsed = now() - t0) < seconds) {
      for (int chunk = 0; chunk < 64; chunk++, n++) {
        for (int i = 0; i < m->nu; i++) {
          double lo = m->actuator_ctrlrange[2 * i], hi = m->actuator_ctrlrange[2 * i + 1];
          action[i] = lo + (hi - lo) * uniform01();
        }
        int done = step(action, &ret);
        if (done || ++t >= 1000) { reset(); t = 0; }
      }
    }
    if (r >= 0) printf(" %.1f", n / elapsed);
  }
  printf(" %.3g %.3g\n", ret, checksum);
  mj_deleteData(d);
  mj_deleteModel((mjModel*)m);
  return 0;
}
