"""The article's training step, transcribed from its three reference files.

"Only Numpy: Implementing GANs and Adam Optimizer" (Jae Duk Seo, 2018); reference code in the
repository JaeDukSeo/Personal_Daily_NeuralNetwork_Practice, folder 1_numpy/j_GAN/:

- f_Generator_Multilayer.py  the six failed attempts (the file itself is attempt 5's sizes)
- g_multi_multi_layer.py     the decay trick, earlier version
- h_multi_last.py            the decay trick, final version

This is a transcription of their arithmetic, not of this project: the files' own variable flow
(Gl1, Gl1A, ..., Dl1_r, Dl2_rA, grad_f_w2_part_1, ...), hand-derived gradients and hand-written
Adam, in the files' order of operations. What the files leave to chance (the initial weights, the
image drawn and the z of each step) comes from one of two places:

- a run trace of this project (parity.py's default mode), so that the same step can be computed
  here and there and compared, whatever random stream the run used;
- numpy's own global stream, seeded and consumed as the files do (run_file below: the seed, the
  sklearn shuffle, the weights' draws, randint, the two z, the grid's z), so that a run of this
  project on its numpy-compatible stream can be compared with no trace, and the article's own
  grids can be made.

What differs from the files, and why:
- the files' hidden layers are unrolled by hand (Gl1 .. Gl7); here the generator's layers are a
  list, so that one transcription of f_Generator_Multilayer.py serves all six failed attempts
  (attempt 3 has three hidden layers, attempt 2 tanh activations). The arithmetic per layer is
  the files': `Gl_k = Gl_{k-1}A.dot(G_W_k) + G_b_k`, `grad_G_wk = part_3.T.dot(part_1 * part_2)`.
- `(x > 0) * 1.0` is written `(x > 0) * ONE`, with ONE of the working precision: numpy would
  otherwise promote a float32 computation to float64 at every ReLU.
- the index of the image is `draw % (len(images) - EXCLUDED)`, the project's draw reduced by the
  file's own range (`np.random.randint(len(images) - 10)`), so a config that samples from a
  different range draws different images and fails the comparison.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


# -- the files' activation functions -------------------------------------------------------------
# Each file defines these at its top; `log` is their name for the sigmoid.

class Activations:
    def __init__(self, dtype):
        self.ONE = dtype(1.0)

    def ReLu(self, x):
        mask = (x > 0) * self.ONE
        return mask * x

    def d_ReLu(self, x):
        mask = (x > 0) * self.ONE
        return mask

    @staticmethod
    def arctan(x):
        return np.arctan(x)

    @staticmethod
    def d_arctan(x):
        return 1 / (1 + x ** 2)

    @staticmethod
    def log(x):
        return 1 / (1 + np.exp(-1 * x))

    def d_log(self, x):
        return self.log(x) * (1 - self.log(x))

    @staticmethod
    def tanh(x):
        return np.tanh(x)

    @staticmethod
    def d_tanh(x):
        return 1 - np.tanh(x) ** 2


# -- what distinguishes the three files -----------------------------------------------------------

@dataclass(frozen=True)
class ReferenceFile:
    """The facts of one reference file (or one failed attempt run through f's structure)."""

    file: str
    G_input: int
    hidden: tuple[int, ...]
    activations: tuple[str, ...]  # 'arctan' | 'ReLu' | 'tanh', one per hidden layer
    learing_rate: float  # sic: the files' spelling
    # (iter, factor): after the update of step `iter`, learing_rate = learing_rate * factor
    decay: tuple[tuple[int, float], ...] = ()
    # np.random.randint(len(images) - excluded)
    excluded: int = 10
    # h_multi_last.py: grad_G_w7 = Gl6A.T.dot(grad_G_w7_part_1 * grad_G_w7_part_1)
    output_grad_squares_part_1: bool = False
    # f_Generator_Multilayer.py: G_W3 scaled by 1/sqrt(hidden_input / 2.) (the first hidden width)
    output_init_fan_in_first_hidden: bool = False
    # np.random.seed(32432) (f, g) / np.random.seed(127) (h), the files' first statement
    seed: int = 32432
    # `if iter%200 == 0:` (f) / `if iter%10 == 0:` (g, h): a 4x4 grid of G's samples is saved, its
    # 16 z drawn from the same global stream as the training's, so it moves every later draw
    grid_every: int = 200
    # how the grid's z are drawn: 'one' = `Z = np.random.uniform(-1., 1., size=[16, G_input])` (f, h);
    # 'four' = g's `Z1 .. Z4 = np.random.uniform(-1., 1., size=[4, G_input])`, `np.vstack((Z1,Z2,Z3,Z4))`
    # (the same 16 * G_input numbers in the same order, drawn in four calls)
    grid_draw: str = 'one'

    @property
    def D_hidden(self) -> int:
        return self.hidden[0]  # D_W1 = (784, hidden_input)


def _failed(G_input, hidden, activations=None) -> ReferenceFile:
    acts = activations or tuple('arctan' if i % 2 == 0 else 'ReLu' for i in range(len(hidden)))
    return ReferenceFile(
        file='f_Generator_Multilayer.py',
        G_input=G_input,
        hidden=tuple(hidden),
        activations=acts,
        learing_rate=0.00003,
        output_init_fan_in_first_hidden=True,
    )


# The article's list of failed generators run through f_Generator_Multilayer.py, and the two decay
# files, keyed by this project's config names.
REFERENCES: dict[str, ReferenceFile] = {
    'failed-1': _failed(100, (200, 560)),
    'failed-2': _failed(100, (245, 960), ('tanh', 'tanh')),
    'failed-3': _failed(326, (326, 356, 412)),
    'failed-4': _failed(350, (420, 640)),
    'failed-5': _failed(600, (660, 780)),  # the file's own sizes
    'failed-6': _failed(200, (320, 480)),
    'decay-early': ReferenceFile(
        file='g_multi_multi_layer.py',
        G_input=300,
        hidden=(356, 512, 686),
        activations=('arctan', 'ReLu', 'arctan'),
        learing_rate=0.00003,
        decay=((0, 0.01), (30, 0.001)),
        grid_every=10,
        grid_draw='four',
    ),
    'decay': ReferenceFile(
        file='h_multi_last.py',
        G_input=100,
        hidden=(128, 256, 346, 480, 560, 686),
        activations=('arctan', 'ReLu', 'arctan', 'ReLu', 'tanh', 'ReLu'),
        learing_rate=0.00009,
        decay=((0, 0.01), (40, 0.01)),
        excluded=5,
        output_grad_squares_part_1=True,
        seed=127,
        grid_every=10,
    ),
}


def init_scales(ref: ReferenceFile) -> dict[str, float]:
    """The standard deviation each file draws each weight with: scale=(1. / np.sqrt(fan / 2.)) * 0.002."""
    scale = lambda fan: (1.0 / np.sqrt(fan / 2.0)) * 0.002
    sizes = (ref.G_input,) + ref.hidden
    out = {'D_W1': scale(784), 'D_W2': scale(ref.D_hidden)}
    for k in range(len(ref.hidden)):
        out[f'G_W{k + 1}'] = scale(sizes[k])
    last = ref.hidden[0] if ref.output_init_fan_in_first_hidden else ref.hidden[-1]
    out[f'G_W{len(ref.hidden) + 1}'] = scale(last)
    return out


# -- the training step ----------------------------------------------------------------------------

@dataclass
class StepRecord:
    iter: int
    D_cost: float
    G_cost: float
    D_real: float  # Dl2_rA
    D_fake: float  # Dl2_fA
    learing_rate: float  # the rate this step's updates used
    # random_int, the row of the shuffled images this step trained on (set by run_file, which draws
    # it; step() is handed the image itself)
    random_int: int | None = None


@dataclass
class ArticleGAN:
    """The state of one reference file's loop: weights, Adam moments, learing_rate."""

    ref: ReferenceFile
    weights: dict[str, np.ndarray]  # D_W1, D_b1, D_W2, D_b2, G_W1, G_b1, ... G_b{n+1}
    dtype: type = np.float64
    m: dict[str, np.ndarray] = field(default_factory=dict)
    v: dict[str, np.ndarray] = field(default_factory=dict)
    scratch: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # Adam as the files write it, a new array per operation (True), or the same arithmetic in
    # place (False, the default: bit-identical and faster)
    verbatim_adam: bool = False

    beta_1, beta_2, eps = 0.9, 0.999, 0.00000001

    def __post_init__(self):
        self.a = Activations(self.dtype)
        self.weights = {k: np.asarray(w, dtype=self.dtype) for k, w in self.weights.items()}
        # v1,m1 = 0,0 ... : the moments start as the number 0 and become arrays at the first update
        for k in self.weights:
            self.m[k] = 0
            self.v[k] = 0
        self.learing_rate = self.ref.learing_rate
        self.n_layers = len(self.ref.hidden) + 1

    # ---- Update Gradient ----  (the same two lines and one update per tensor in every file)
    def adam(self, name, grad):
        beta_1, beta_2, eps = self.beta_1, self.beta_2, self.eps
        m, v, W = self.m[name], self.v[name], self.weights[name]
        if self.verbatim_adam or isinstance(m, int) or W.shape != grad.shape:  # the first update (m = v = 0), or a bias
            # whose (H,) zeros the files turn into a (1, H) row: the files' lines, verbatim
            self.m[name] = m = beta_1 * m + (1 - beta_1) * grad
            self.v[name] = v = beta_2 * v + (1 - beta_2) * grad ** 2
            self.weights[name] = W - (self.learing_rate / (np.sqrt(v / (1 - beta_2)) + eps)) * (m / (1 - beta_1))
            return
        # The same lines with numpy's out= into two scratch arrays (the files allocate a new array
        # for every operation): the same operations on the same values in the same order, so the
        # same bits (tools/parity/src/article-inplace.test.ts checks it), several times faster.
        if name not in self.scratch:
            self.scratch[name] = (np.empty_like(W), np.empty_like(W))
        s1, s2 = self.scratch[name]
        # m1 = beta_1 * m1 + (1 - beta_1) * grad_w1
        np.multiply(m, beta_1, out=m)
        np.multiply(grad, 1 - beta_1, out=s1)
        m += s1
        # v1 = beta_2 * v1 + (1 - beta_2) * grad_w1 ** 2
        np.multiply(v, beta_2, out=v)
        np.square(grad, out=s1)
        np.multiply(s1, 1 - beta_2, out=s1)
        v += s1
        # D_W1 = D_W1 - (learing_rate / (np.sqrt(v1 /(1-beta_2) ) + eps)) * (m1/(1-beta_1))
        np.divide(v, 1 - beta_2, out=s1)
        np.sqrt(s1, out=s1)
        s1 += eps
        np.divide(self.learing_rate, s1, out=s1)
        np.divide(m, 1 - beta_1, out=s2)
        s1 *= s2
        W -= s1

    def act(self, k):
        """Activation of hidden layer k (1-based) and its derivative, as the files call them."""
        name = self.ref.activations[k - 1]
        return getattr(self.a, name), getattr(self.a, f'd_{name}')

    # Func: Generate The first Fake Data
    def generator(self, Z):
        w, log = self.weights, self.a.log
        Gl, GlA = {}, {0: Z}
        for k in range(1, self.n_layers):
            Gl[k] = GlA[k - 1].dot(w[f'G_W{k}']) + w[f'G_b{k}']
            GlA[k] = self.act(k)[0](Gl[k])
        n = self.n_layers
        Gl[n] = GlA[n - 1].dot(w[f'G_W{n}']) + w[f'G_b{n}']
        current_fake_data = log(Gl[n])
        return current_fake_data, Gl, GlA

    def step(self, iter, current_image, Z_d, Z_g) -> StepRecord:
        w, a = self.weights, self.a
        ReLu, d_ReLu, log, d_log = a.ReLu, a.d_ReLu, a.log, a.d_log
        lr_used = self.learing_rate

        current_fake_data, _, _ = self.generator(Z_d)

        # Func: Forward Feed for Real data
        Dl1_r = current_image.dot(w['D_W1']) + w['D_b1']
        Dl1_rA = ReLu(Dl1_r)
        Dl2_r = Dl1_rA.dot(w['D_W2']) + w['D_b2']
        Dl2_rA = log(Dl2_r)

        # Func: Forward Feed for Fake Data
        Dl1_f = current_fake_data.dot(w['D_W1']) + w['D_b1']
        Dl1_fA = ReLu(Dl1_f)
        Dl2_f = Dl1_fA.dot(w['D_W2']) + w['D_b2']
        Dl2_fA = log(Dl2_f)

        # Func: Cost D  (printed with the second sign flipped ...)
        D_cost = -np.log(Dl2_rA) + np.log(1.0 - Dl2_fA)

        # Func: Gradient  (... but derived for the standard loss: d/dD of -log(1 - D) is 1/(1 - D))
        grad_f_w2_part_1 = 1 / (1.0 - Dl2_fA)
        grad_f_w2_part_2 = d_log(Dl2_f)
        grad_f_w2_part_3 = Dl1_fA
        grad_f_w2 = grad_f_w2_part_3.T.dot(grad_f_w2_part_1 * grad_f_w2_part_2)
        grad_f_b2 = grad_f_w2_part_1 * grad_f_w2_part_2

        grad_f_w1_part_1 = (grad_f_w2_part_1 * grad_f_w2_part_2).dot(w['D_W2'].T)
        grad_f_w1_part_2 = d_ReLu(Dl1_f)
        grad_f_w1_part_3 = current_fake_data
        grad_f_w1 = grad_f_w1_part_3.T.dot(grad_f_w1_part_1 * grad_f_w1_part_2)
        grad_f_b1 = grad_f_w1_part_1 * grad_f_w1_part_2

        grad_r_w2_part_1 = -1 / Dl2_rA
        grad_r_w2_part_2 = d_log(Dl2_r)
        grad_r_w2_part_3 = Dl1_rA
        grad_r_w2 = grad_r_w2_part_3.T.dot(grad_r_w2_part_1 * grad_r_w2_part_2)
        grad_r_b2 = grad_r_w2_part_1 * grad_r_w2_part_2

        grad_r_w1_part_1 = (grad_r_w2_part_1 * grad_r_w2_part_2).dot(w['D_W2'].T)
        grad_r_w1_part_2 = d_ReLu(Dl1_r)
        grad_r_w1_part_3 = current_image
        grad_r_w1 = grad_r_w1_part_3.T.dot(grad_r_w1_part_1 * grad_r_w1_part_2)
        grad_r_b1 = grad_r_w1_part_1 * grad_r_w1_part_2

        grad_w1 = grad_f_w1 + grad_r_w1
        grad_b1 = grad_f_b1 + grad_r_b1

        grad_w2 = grad_f_w2 + grad_r_w2
        grad_b2 = grad_f_b2 + grad_r_b2

        self.adam('D_W1', grad_w1)
        self.adam('D_b1', grad_b1)
        self.adam('D_W2', grad_w2)
        self.adam('D_b2', grad_b2)

        # Func: Forward Feed for G
        Z = Z_g
        current_fake_data, Gl, GlA = self.generator(Z)

        # (`w` is the weights' dict: D's entries are the arrays D's update just made)
        Dl1 = current_fake_data.dot(w['D_W1']) + w['D_b1']
        Dl1_A = ReLu(Dl1)
        Dl2 = Dl1_A.dot(w['D_W2']) + w['D_b2']
        Dl2_A = log(Dl2)

        # Func: Cost G
        G_cost = -np.log(Dl2_A)

        # Func: Gradient
        n = self.n_layers
        W = w
        # grad_G_w{n}_part_1: the gradient w.r.t. current_fake_data, through the updated D
        part_1 = ((-1 / Dl2_A) * d_log(Dl2).dot(W['D_W2'].T) * (d_ReLu(Dl1))).dot(W['D_W1'].T)
        part_2 = d_log(Gl[n])
        part_3 = GlA[n - 1]
        if self.ref.output_grad_squares_part_1:
            grad_G_w = part_3.T.dot(part_1 * part_1)  # h_multi_last.py's grad_G_w7
        else:
            grad_G_w = part_3.T.dot(part_1 * part_2)
        grad_G_b = part_1 * part_2
        grads = {f'G_W{n}': grad_G_w, f'G_b{n}': grad_G_b}
        for k in range(n - 1, 0, -1):
            part_1 = (part_1 * part_2).dot(W[f'G_W{k + 1}'].T)
            part_2 = self.act(k)[1](Gl[k])
            part_3 = GlA[k - 1]  # GlA[0] is Z
            grads[f'G_W{k}'] = part_3.T.dot(part_1 * part_2)
            grads[f'G_b{k}'] = part_1 * part_2

        # ---- Update Gradient ----  (the files update G_W1, G_b1, G_W2, ... in this order)
        for k in range(1, n + 1):
            self.adam(f'G_W{k}', grads[f'G_W{k}'])
            self.adam(f'G_b{k}', grads[f'G_b{k}'])

        # if iter == 0: learing_rate = learing_rate * 0.01 ...
        for at, factor in self.ref.decay:
            if iter == at:
                self.learing_rate = self.learing_rate * factor

        return StepRecord(
            iter=iter,
            D_cost=float(np.asarray(D_cost).reshape(-1)[0]),
            G_cost=float(np.asarray(G_cost).reshape(-1)[0]),
            D_real=float(np.asarray(Dl2_rA).reshape(-1)[0]),
            D_fake=float(np.asarray(Dl2_fA).reshape(-1)[0]),
            learing_rate=lr_used,
        )


# -- the files' own loop, on numpy's own stream ---------------------------------------------------
#
# Everything the files leave to chance comes from numpy's global RandomState (the legacy MT19937
# stream), seeded once by the file's first statement; in the order the files consume it:
#
#   np.random.seed(S)                                          f, g: 32432; h: 127
#   images, labels = shuffle(np.asarray(images), np.asarray(labels))   sklearn.utils.shuffle
#   D_W1, D_W2, G_W1 .. G_Wn = np.random.normal(...) * 0.002   in this order; biases np.zeros
#   for iter in range(num_epoch):
#       random_int = np.random.randint(len(images) - E)        E = 10 (f, g), 5 (h)
#       Z = np.random.uniform(-1., 1., size=[1, G_input])      D's step
#       Z = np.random.uniform(-1., 1., size=[1, G_input])      G's step, after D's update
#       if iter == 0: learing_rate = learing_rate * 0.01 ...   (no draw)
#       if iter % 200 == 0 (f) / iter % 10 == 0 (g, h):        the grid of 16 samples
#           Z = np.random.uniform(-1., 1., size=[16, G_input])   (g: four [4, G_input] draws)


def sklearn_shuffle_indices(n_samples: int) -> np.ndarray:
    """The order `images, labels = shuffle(np.asarray(images), np.asarray(labels))` puts the images in.

    sklearn.utils.shuffle(*arrays, random_state=None) is `resample(*arrays, replace=False,
    n_samples=None, random_state=None)`, which does (sklearn/utils/__init__.py, 0.19 to 1.x):

        random_state = check_random_state(random_state)   # None -> np.random.mtrand._rand
        indices = np.arange(n_samples)
        random_state.shuffle(indices)
        indices = indices[:max_n_samples]                 # max_n_samples = n_samples
        resampled_arrays = [_safe_indexing(a, indices) for a in arrays]

    so: numpy's global RandomState shuffles np.arange(n) in place, one draw sequence consumed from
    the same stream as everything after it, and every array is indexed by the result. Returned:
    `indices`, the IDX file's row of each shuffled image (images_shuffled = images[indices]).
    """
    indices = np.arange(n_samples)
    np.random.mtrand._rand.shuffle(indices)
    return indices


def draw_weights(ref: ReferenceFile) -> dict[str, np.ndarray]:
    """The files' `# 2. Declare Weights`, from the global stream, in their order, as float64.

        D_W1 = np.random.normal(size=(784,hidden_input),scale=(1. / np.sqrt(784 / 2.)))   *0.002
        D_b1 = np.zeros(hidden_input)
        D_W2 = np.random.normal(size=(hidden_input,1),scale=(1. / np.sqrt(hidden_input / 2.)))     *0.002
        D_b2 = np.zeros(1)
        G_W1 = np.random.normal(size=(G_input,hidden_input),scale=(1. / np.sqrt(G_input / 2.)))   *0.002
        G_b1 = np.zeros(hidden_input)
        ...
        G_Wn = np.random.normal(size=(hidden_last,784),scale=(1. / np.sqrt(fan / 2.)))  *0.002

    with fan = the layer's own fan-in, except f_Generator_Multilayer.py's last layer (G_W3), which
    is scaled by hidden_input, the first hidden width (ref.output_init_fan_in_first_hidden). The
    scale and the factor 0.002 are applied as the files write them (normal(scale=s) * 0.002, two
    roundings), not as the product init_scales() reports. The biases take no draw.
    """
    def normal(shape, fan):
        return np.random.normal(size=shape, scale=(1. / np.sqrt(fan / 2.))) * 0.002

    w = {}
    w['D_W1'] = normal((784, ref.D_hidden), 784)
    w['D_b1'] = np.zeros(ref.D_hidden)
    w['D_W2'] = normal((ref.D_hidden, 1), ref.D_hidden)
    w['D_b2'] = np.zeros(1)
    sizes = (ref.G_input,) + ref.hidden + (784,)
    n = len(ref.hidden) + 1
    for k in range(1, n + 1):
        fan = sizes[k - 1]
        if k == n and ref.output_init_fan_in_first_hidden:
            fan = ref.hidden[0]
        w[f'G_W{k}'] = normal((sizes[k - 1], sizes[k]), fan)
        w[f'G_b{k}'] = np.zeros(sizes[k])
    return w


def draw_grid_z(ref: ReferenceFile) -> np.ndarray:
    """The z of the files' `# ---- Print to Out put ----` grid: 16 rows of G_input, float64.

    f, h: `Z = np.random.uniform(-1., 1., size=[16, G_input])`; g: `Z1 .. Z4 =
    np.random.uniform(-1., 1., size=[4, G_input])`, `Z = np.vstack((Z1,Z2,Z3,Z4))` (the same
    numbers: uniform fills row by row).
    """
    if ref.grid_draw == 'four':
        return np.vstack([np.random.uniform(-1., 1., size=[4, ref.G_input]) for _ in range(4)])
    return np.random.uniform(-1., 1., size=[16, ref.G_input])


@dataclass
class FileRun:
    """What run_file returns."""

    records: list[StepRecord]  # one per iteration (empty with keep_records=False)
    weights: dict[str, np.ndarray]  # after the last iteration, the files' names
    initial: dict[str, np.ndarray]  # as drawn, before iteration 0 (float64, the files' names)
    order: np.ndarray  # the shuffle: images_shuffled[i] = IDX row order[i]
    grid: np.ndarray | None  # (16, 784): the sigmoid output of the last grid drawn
    grid_iter: int | None  # the iteration that grid was drawn at
    grids: dict[int, np.ndarray]  # the grids of the iterations asked for in grid_at


def run_file(ref: ReferenceFile, images_u8: np.ndarray, steps: int, seed: int | None = None,
             dtype=np.float64, record=None, grid_at=(), keep_records: bool = True,
             grid_every: int | None = None, verbatim_adam: bool = False) -> FileRun:
    """Runs `steps` iterations of a reference file's loop on numpy's own global stream.

    images_u8: the 10,000 MNIST test images, (10000, 784) uint8, in the IDX file's order (what
    python-mnist's `mndata.load_testing()` returns, as lists of ints 0..255). seed: the file's
    `np.random.seed` (default ref.seed). record: called with each step's StepRecord as it is made.
    grid_at: iterations whose grid samples to keep (in .grids); the last grid drawn is always kept.
    grid_every: the grid's period (default the file's, ref.grid_every; a different one draws the
    grid's z elsewhere in the stream, so every later draw differs).

    The stream is consumed as the files consume it (see the table above); per iteration:

        random_int = np.random.randint(len(images) - 5)
        current_image = np.expand_dims(images[random_int],axis=0)
        Z = np.random.uniform(-1., 1., size=[1, G_input])        # ArticleGAN.step's Z_d
        ... D's forward, gradient, update ...
        Z = np.random.uniform(-1., 1., size=[1, G_input])        # ... its Z_g
        ... G's forward, gradient, update; the lr decay ...
        if iter%10 == 0: Z = np.random.uniform(-1., 1., size=[16, G_input]); G forward; plot

    Z_g is drawn here before step() runs D's update; no other draw comes between them in the files,
    so it is the same number. step() applies the lr decay after G's update, as the files do before
    their grid. The grid's G forward draws nothing: it is computed only for the grids kept.

    `images` is `np.asarray` of python-mnist's lists of ints: an int64 array, and the file's
    current_image is its int64 row, promoted to float64 by `.dot`; in float64 that row is passed
    as it is. In float32 every draw is still made in float64, as the files make it, and then cast
    to float32 (the weights by ArticleGAN, z and the pixels here): numpy's float64 stream is the
    only one there is, and an int64 row would promote the step back to float64.
    """
    seed = ref.seed if seed is None else seed
    grid_every = ref.grid_every if grid_every is None else grid_every
    np.random.seed(seed)
    order = sklearn_shuffle_indices(len(images_u8))
    images = np.asarray(images_u8, dtype=np.int64)[order]
    initial = draw_weights(ref)
    gan = ArticleGAN(ref, {k: w.copy() for k, w in initial.items()}, dtype, verbatim_adam=verbatim_adam)
    float64 = np.dtype(dtype) == np.dtype(np.float64)
    cast = (lambda a: a) if float64 else (lambda a: a.astype(dtype))
    last_grid = (steps - 1) // grid_every * grid_every if steps > 0 else None
    keep = set(grid_at)
    records, grids, grid, grid_iter = [], {}, None, None
    for iter in range(steps):
        random_int = np.random.randint(len(images) - ref.excluded)
        current_image = cast(np.expand_dims(images[random_int], axis=0))
        Z_d = np.random.uniform(-1., 1., size=[1, ref.G_input])
        Z_g = np.random.uniform(-1., 1., size=[1, ref.G_input])
        rec = gan.step(iter, current_image, cast(Z_d), cast(Z_g))
        rec.random_int = int(random_int)
        if keep_records:
            records.append(rec)
        if record is not None:
            record(rec)
        if iter % grid_every == 0:
            Z = draw_grid_z(ref)
            if iter == last_grid or iter in keep:
                samples, _, _ = gan.generator(cast(Z))
                if iter in keep:
                    grids[iter] = samples
                if iter == last_grid:
                    grid, grid_iter = samples, iter
    return FileRun(records=records, weights=gan.weights, initial=initial, order=order, grid=grid,
                   grid_iter=grid_iter, grids=grids)
