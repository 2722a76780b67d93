"""The article's training step, transcribed from its three reference files.

"Only Numpy: Implementing GANs and Adam Optimizer" (Jae Duk Seo, 2018); reference code in the
repository JaeDukSeo/Personal_Daily_NeuralNetwork_Practice, folder 1_numpy/j_GAN/:

- f_Generator_Multilayer.py  the six failed attempts (the file itself is attempt 5's sizes)
- g_multi_multi_layer.py     the decay trick, earlier version
- h_multi_last.py            the decay trick, final version

This is a transcription of their arithmetic, not of this project: the files' own variable flow
(Gl1, Gl1A, ..., Dl1_r, Dl2_rA, grad_f_w2_part_1, ...), hand-derived gradients and hand-written
Adam, in the files' order of operations. Only what the files leave to chance comes from outside:
the initial weights, the image drawn and the z of each step (a run trace of this project), so
that the same step can be computed here and there and compared.

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
    seed: int = 32432

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
