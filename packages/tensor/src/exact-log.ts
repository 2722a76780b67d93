/**
 * The natural logarithm exactly as glibc computes it, so that TypeScript transcriptions of numpy's C
 * code (which calls the C library's `log`) get numpy's doubles, bit for bit.
 *
 * Why not simply the correctly rounded log: glibc's `log` (since 2.28; `sysdeps/ieee754/dbl-64/e_log.c`
 * and its table `e_log_data.c`, both from Arm's optimized-routines) is accurate to about 0.52 ulp, not
 * 0.5, and it is not correctly rounded on about 8 in 10 000 of the arguments that numpy's `gauss`
 * passes it (1 573 of 2 million, against mpmath's log at 200 bits; examples in `exact-log.test.ts`),
 * where a correctly rounded log would differ from numpy. V8's `Math.log` (fdlibm, < 1 ulp) differs
 * from glibc on about 7 in 100 of them.
 *
 * glibc's algorithm, for x = 2^k · z with z in [0.6875, 1.375) and c the centre of z's slice (one
 * of 128): log(x) = k·ln2 + log(c) + log1p(r), r = z/c - 1 = z·(1/c) - 1, with 1/c and log(c) from
 * a table and log1p(r) - r a degree-5 polynomial; arguments within about 1/16 of 1 take a degree-12
 * polynomial in x - 1 instead, its leading r - r²/2 computed in two parts for extra precision.
 *
 * The exact doubles also depend on which operations the C compiler fused into `fma` (one rounding
 * instead of two). On x86-64 glibc picks at load time one of several builds of the same source: the
 * one for CPUs with FMA and AVX2 (every x86-64 CPU since about 2013; `__log_fma`), compiled with
 * `-mfma`, fuses the products into the additions that use them. That is the build transcribed here,
 * with each such `fma` emulated exactly (see {@link fma}) where it rounds differently from a product
 * then a sum; the fused operations were read off the disassembly of Debian 12's libm (glibc 2.36).
 * On a CPU without FMA, glibc's SSE2 build of the same source gives a different last bit on about
 * 1 in 10 000 arguments, and so does numpy there.
 *
 * NOTE: to give the same bits the algorithm needs the same constants: the polynomial coefficients
 * and the 128-entry table of 1/c and log(c) below are the values of Arm's optimized-routines
 * (MIT licensed), which glibc ships; they were read from this machine's libm and checked against
 * glibc's source.
 */

/** Veltkamp's splitting constant, 2^27 + 1: `a·SPLIT - (a·SPLIT - a)` keeps a's top 26 bits. */
const SPLIT = 134217729;

// One double and its two 32-bit words, to read and write bits without allocating.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

/**
 * a·b + c rounded once to nearest-even, as the hardware `fma` instruction computes it, in double
 * arithmetic only (JavaScript has no fma). a·b = p + e exactly (Dekker's product with Veltkamp's
 * split), p + c = s + u exactly (Knuth's TwoSum), u + e = v + w exactly (TwoSum again); then
 * a·b + c = s + v + w, and rounding v to odd (moving it one ulp toward w when w ≠ 0 and v's last
 * bit is even) makes s + v round exactly as s + v + w does (Boldo & Melquiond, "Emulation of FMA
 * and correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008): a midpoint
 * between two doubles near s is a double with few significant bits, hence even, and so can never
 * lie between v + w and its odd rounding.
 *
 * Valid when no intermediate value overflows or underflows: |a|, |b|, |c| and |a·b| below 2^995,
 * and a·b zero or above 2^-960 in magnitude (its rounding error must be a normal double). The log
 * below only calls it on values far inside that range (|a·b| > 2^-400).
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  const e = productError(a, b, p);
  const s = p + c;
  let t = s - p;
  const u = p - (s - t) + (c - t);
  const v = u + e;
  t = v - u;
  const w = u - (v - t) + (e - t);
  return w === 0 ? s + v : s + toOdd(v, w);
}

/**
 * The rounding error of the product `p = a·b`: a·b = p + e exactly (Dekker's product, each factor
 * split into two 26-bit halves by Veltkamp's method), under the range conditions of {@link fma}.
 */
function productError(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** v, or its neighbour toward v + w when v's last significand bit is even (round to odd, w ≠ 0). */
function toOdd(v: number, w: number): number {
  F64[0] = v;
  const lo = U32[LO];
  if ((lo & 1) === 1) return v;
  if (v > 0 === w > 0) {
    U32[LO] = lo + 1; // away from zero; lo is even, so no carry into the high word
  } else if (lo !== 0) {
    U32[LO] = lo - 1; // toward zero
  } else {
    U32[LO] = 0xffffffff;
    U32[HI] = U32[HI] - 1;
  }
  return F64[0];
}

// Constants of glibc's `__log_data` (e_log_data.c), as doubles. ln2 = LN2HI + LN2LO, LN2HI with
// its low 11 bits zero so that k·LN2HI is exact.
const LN2HI = 0.6931471805598903;
const LN2LO = 5.497923018708371e-14;
// log1p(r) - r ≈ r²·(A0 + r·A1 + r²·A2 + r³·A3 + r⁴·A4) for |r| < 1/256 (`poly`).
const A0 = -0.5000000000000001;
const A1 = 0.33333333331825593;
const A2 = -0.2499999999622955;
const A3 = 0.20000304511814496;
const A4 = -0.16667054827627667;
// log1p(r) ≈ r + B0·r² + r³·(B1 + r·B2 + … + r⁹·B10) for x = 1 + r near 1 (`poly1`); B0 = -1/2.
const B0 = -0.5;
const B1 = 0.3333333333333352;
const B2 = -0.24999999999998432;
const B3 = 0.19999999999320328;
const B4 = -0.16666666669929706;
const B5 = 0.14285715076560868;
const B6 = -0.12499997863982555;
const B7 = 0.11110712032936046;
const B8 = -0.10000486757818193;
const B9 = 0.09181994006195467;
const B10 = -0.08328363062289341;

/**
 * glibc's `tab`, pairs [invc, logc] for the 128 slices of [0.6875, 1.375) (80 of width 1/256 below
 * 1, then 48 of width 1/128; slice i holds the z whose bits minus OFF's have i in bits 45-51):
 * 1/c and log(c) for a c near the slice's centre, chosen by Arm so that log(c) is nearly exact in
 * a double.
 */
// biome-ignore format: a table, two numbers a line
const TABLE = new Float64Array([
  1.4504249240398293, -0.3718565645633589,
  1.442253508327276, -0.36620682668944937,
  1.4341736174350004, -0.3605888069791945,
  1.426183816329995, -0.3550022171419869,
  1.4182825527052965, -0.34944666968829097,
  1.4104682921759335, -0.3439217713603284,
  1.4027396147468003, -0.3384271921261188,
  1.3950954438932313, -0.332962831494342,
  1.3875338232485754, -0.32752794345742586,
  1.3800539211058593, -0.32212257167088865,
  1.3726542695419708, -0.3167462884799761,
  1.3653332798446802, -0.3113985598928366,
  1.358090204587874, -0.3060794515165526,
  1.3509234892132138, -0.300788424667644,
  1.3438320840699889, -0.2955252968476998,
  1.3368146974742003, -0.29028969275850613,
  1.329870114677736, -0.2850812793277555,
  1.322997339161106, -0.27989987391470095,
  1.316195352741367, -0.27474526621870154,
  1.3094628125672239, -0.2696169863701243,
  1.3027990455471041, -0.26451506180308115,
  1.2962024229438942, -0.2594387762767383,
  1.2896726275815547, -0.2543884090981692,
  1.2832080305745537, -0.24936321635129843,
  1.276807885983376, -0.24436312405975968,
  1.2704714060687552, -0.23938801747897287,
  1.2641976054949482, -0.23443761696705678,
  1.257985357514882, -0.22951151871518505,
  1.2518337750655457, -0.2246094963439873,
  1.2457421919097305, -0.21973149037705753,
  1.2397094966625508, -0.2148770752847895,
  1.2337348463589233, -0.210046029103637,
  1.2278176973028803, -0.20523836373934046,
  1.2219570190618474, -0.20045368751368642,
  1.2161519732977757, -0.1956917537758045,
  1.2104018095009725, -0.19095237845203883,
  1.204705805718973, -0.18623539250290833,
  1.1990631185441964, -0.18154051731551135,
  1.1934733004462308, -0.1768677957431919,
  1.1879350812847385, -0.17221657406412305,
  1.1824481322833125, -0.16758697765942543,
  1.1770114976921955, -0.16297859687290384,
  1.1716248121809465, -0.15839151377804228,
  1.1662869231674715, -0.15382513241456763,
  1.1609977486762766, -0.14927976358922024,
  1.1557563220795803, -0.14475495398119165,
  1.1505619105480347, -0.14025044090817573,
  1.1454138888505974, -0.1357660466685502,
  1.140311877374656, -0.1313018016355727,
  1.1352550225747513, -0.12685731518763532,
  1.1302429094831266, -0.1224325737671279,
  1.1252747693068048, -0.11802724521862729,
  1.1203501571039876, -0.11364127671663482,
  1.1154683327680124, -0.10927434611278386,
  1.1106291463292157, -0.10492665324943573,
  1.1058315813301596, -0.10059761422644442,
  1.1010752177696026, -0.09628717309055901,
  1.0963597137952512, -0.09199534069557558,
  1.0916844827550398, -0.08772190036688698,
  1.0870487291277784, -0.08346643613867855,
  1.082452357388312, -0.07922916827544668,
  1.0778948225025884, -0.0750099004750382,
  1.0733751731601076, -0.07080805133352897,
  1.068893585073351, -0.06662408085151128,
  1.0644491706655506, -0.06245745471915143,
  1.0600414846328305, -0.0583080438042316,
  1.0556701316181605, -0.05417576112313327,
  1.051334750556926, -0.050060547896805474,
  1.0470347288442157, -0.045962101199052086,
  1.0427699229652954, -0.04188056008865715,
  1.0385395013738175, -0.03781540056183985,
  1.034343418940345, -0.03376684757915882,
  1.0301811073173315, -0.029734619131772888,
  1.026052043621297, -0.025718470239212365,
  1.0219561082336197, -0.021718543925430822,
  1.0178926505784922, -0.01773446126981071,
  1.0138614436244586, -0.013766252464051831,
  1.0098620186501341, -0.009813706322574944,
  1.0058938559734134, -0.005876555150052809,
  1.00195696235014, -0.0019550499938532084,
  0.9961089923088509, 0.0038985973556009412,
  0.9884170338185201, 0.011650571286395461,
  0.9808429191005297, 0.019342955478919066,
  0.9733840169987446, 0.0269766014846482,
  0.9660377568876556, 0.034552359728422744,
  0.9588014945307369, 0.04207121767183253,
  0.9516728569073111, 0.049533940950141186,
  0.9446494635965822, 0.056941358295944156,
  0.9377288993026223, 0.06429439168346107,
  0.9309091073790681, 0.0715936354946507,
  0.924187681612722, 0.07884010933776153,
  0.9175626765599192, 0.08603438905970506,
  0.9110320403624034, 0.09317721180013905,
  0.9045935839762024, 0.10026951462748457,
  0.8982456375922825, 0.10731170956330516,
  0.8919860966782501, 0.11430473320717738,
  0.8858131121185129, 0.12124928503033061,
  0.879725075760676, 0.12814583422959913,
  0.8737201372634685, 0.1349951636851756,
  0.8677966405782273, 0.1417978768189414,
  0.8619528050060739, 0.14855476039031146,
  0.8561872354420692, 0.1552661937658968,
  0.8504983927816893, 0.16193275688146969,
  0.8448844572790304, 0.16855539792220497,
  0.8393442741575965, 0.1751343179947753,
  0.8338762249349438, 0.1816702989864325,
  0.8284789320557778, 0.18816387146023317,
  0.8231510800065832, 0.1946155228479256,
  0.8178913903778707, 0.20102572579389744,
  0.8126984007245374, 0.2073952090795501,
  0.8075710029460227, 0.21372429840596396,
  0.8025078881160415, 0.2200135945981856,
  0.7975077379364331, 0.22626374162859975,
  0.792569604966373, 0.23247494747693054,
  0.7876923641254114, 0.23864766620658884,
  0.7828746724940998, 0.24478265647405806,
  0.7781155388790811, 0.25088025827324145,
  0.7734139557869777, 0.2569408552510595,
  0.7687687179914933, 0.26296511155101143,
  0.7641790698041854, 0.2689531327189343,
  0.7596438763692399, 0.27490553924610595,
  0.7551621951078668, 0.2808227248478943,
  0.7507331780216866, 0.286704979267256,
  0.7463557196361751, 0.29255295645509705,
  0.7420289364869653, 0.2983670386142876,
  0.7377521537065876, 0.30414734587282055,
  0.7335242966002608, 0.30989455774829366,
  0.729344777457841, 0.31560871301871884,
]);

/**
 * Both branches compute log(x) = hi + y with y small, and first evaluate y without fused
 * operations (plain JavaScript arithmetic, fast), then accept round(hi + y) only if it is the same
 * at y ± FAST_MARGIN·S, S the sum of the magnitudes in y (|k·LN2LO| + |lo| + r² + |y| in the main
 * branch, |r³| + |lo| + |y| near 1). Each rounding, in either evaluation, moves y by at most u =
 * 2^-53 of that operation's result; counting them over both evaluations (to first order; the
 * polynomials are below 1/2 in magnitude and end up multiplied by r² or r³) bounds
 * |y(fused) - y(unfused)| by 4u·S in the main branch and 3u·S near 1 (the most seen over 16
 * million arguments: 1.3u·S and 1.0u·S). FAST_MARGIN = 2^-48 = 32u leaves a factor of 8 over those
 * bounds, so when both ends round alike, glibc's own y rounds alike too (rounding to nearest is
 * monotonic). Otherwise y is evaluated again exactly as glibc's FMA build does: on gauss's
 * arguments, about 1 main-branch call in 3 000 and 1 near-1 call in 12, 0.6% of all calls.
 */
const FAST_MARGIN = 2 ** -48;

// The x whose high word is in [NEAR_ONE_LO, NEAR_ONE_HI) take glibc's near-1 branch:
// 1 - 2^-4 <= x < 1 + 0x1.09p-4.
const NEAR_ONE_LO = 0x3fee0000;
const NEAR_ONE_HI = 0x3ff10900;
/** High word of glibc's OFF = 0x3fe6000000000000 (0.6875): z is scaled into [OFF, 2·OFF). */
const OFF_HI = 0x3fe60000;

/**
 * The natural logarithm of x, bit-identical to glibc's `log` (glibc >= 2.28, x86-64 FMA build; see
 * the file comment), for every double: log(±0) = -Infinity, log(+Infinity) = +Infinity, NaN for a
 * negative x or NaN, and subnormal x scaled by 2^52 first as glibc does.
 */
export function glibcLog(x: number): number {
  F64[0] = x;
  let top = U32[HI];
  if ((top - NEAR_ONE_LO) >>> 0 < NEAR_ONE_HI - NEAR_ONE_LO) return logNearOne(x);
  if ((top - 0x00100000) >>> 0 >= 0x7ff00000 - 0x00100000) {
    // x < 2^-1022 (zero, subnormal or negative), infinite or NaN.
    if (x === 0) return Number.NEGATIVE_INFINITY;
    if (x === Number.POSITIVE_INFINITY) return x;
    if (!(x > 0)) return Number.NaN;
    // Subnormal: scale to a normal double and take 52 off its exponent field (it may wrap below
    // zero; the int32 arithmetic below is modular like glibc's uint64 arithmetic).
    F64[0] = x * 4503599627370496;
    top = (U32[HI] - (52 << 20)) | 0;
  }
  // x = 2^k · z, z in [0.6875, 1.375), i = z's slice; the low word of x is z's.
  const tmp = (top - OFF_HI) | 0;
  const i = (tmp >>> 13) & 127;
  const k = tmp >> 20;
  U32[HI] = top - (tmp & 0xfff00000);
  const z = F64[0];
  const invc = TABLE[2 * i];
  const logc = TABLE[2 * i + 1];

  // r = fma(z, invc, -1): z·invc = p + e exactly, and p - 1 is exact since p is within 1/128 of 1.
  const p = z * invc;
  const r = p - 1 + productError(z, invc, p);

  // hi + lo = r + log(c) + k·ln2 (k·LN2HI is exact).
  const w = k * LN2HI + logc;
  const hi = w + r;
  const lo0 = w - hi + r;
  const r2 = r * r;
  const r3 = r * r2;
  // log(x) = hi + y, y = lo + (log1p(r) - r): unfused first, then, unless the rounding of hi + y
  // is settled (see FAST_MARGIN), as glibc's FMA build computes it.
  const kl = k * LN2LO;
  const lo = lo0 + kl;
  const y = lo + r2 * A0 + r3 * (A1 + r * A2 + r2 * (A3 + r * A4));
  const margin = FAST_MARGIN * (Math.abs(kl) + Math.abs(lo) + r2 + Math.abs(y));
  const below = hi + (y - margin);
  if (below === hi + (y + margin)) return below;
  const yFused = fma(r3, fma(fma(r, A4, A3), r2, fma(r, A2, A1)), fma(r2, A0, fma(k, LN2LO, lo0)));
  return yFused + hi;
}

/** glibc's branch for 1 - 2^-4 <= x < 1 + 0x1.09p-4: a polynomial in r = x - 1. */
function logNearOne(x: number): number {
  if (x === 1) return 0;
  const r = x - 1; // exact (Sterbenz)
  const r2 = r * r;
  const r3 = r * r2;
  // r + B0·r² in two parts: r = rhi + rlo with rhi = r rounded to 26 bits, hi = r + B0·rhi²
  // (glibc fuses the product by B0 = -1/2 here, but it is exact, so the plain sum rounds alike).
  // Exact products are also why `big` needs no fma.
  const big = r * 134217728;
  const rhi = r + big - big;
  const rlo = r - rhi;
  const sq = rhi * rhi * B0;
  const hi = r + sq;
  const lo0 = r - hi + sq;
  // y = lo + r³·poly(r): unfused first, then if need be as glibc's FMA build computes it.
  const lo = lo0 + B0 * rlo * (rhi + r);
  const y =
    lo +
    r3 * (B1 + r * B2 + r2 * B3 + r3 * (B4 + r * B5 + r2 * B6 + r3 * (B7 + r * B8 + r2 * B9 + r3 * B10)));
  const margin = FAST_MARGIN * (Math.abs(r3) + Math.abs(lo) + Math.abs(y));
  const below = hi + (y - margin);
  if (below === hi + (y + margin)) return below;
  const p1 = fma(r2, B3, fma(r, B2, B1));
  const p2 = fma(r2, B6, fma(r, B5, B4));
  const p3 = fma(r3, B10, fma(r2, B9, fma(r, B8, B7)));
  const poly = fma(fma(p3, r3, p2), r3, p1);
  return hi + fma(poly, r3, fma(B0 * rlo, rhi + r, lo0));
}
