import { describe, expect, it } from 'vitest';
import { evaluationLines } from './Evaluation.tsx';

describe('evaluationLines', () => {
  it("names PacGAN's 2-D metrics, next to this project's", () => {
    const { lines } = evaluationLines({
      step: 5000,
      samples: 2500,
      modes: 25,
      modesCovered: 20,
      highQuality: 0.9,
      pacganModes: 23,
      pacganHighQuality: 0.8996,
      pacganReverseKl: 0.04567,
    });
    expect(lines).toEqual([
      ['modes covered', '20/25'],
      ['high quality', '90.0%'],
      ['modes (PacGAN)', '23/25'],
      ['high quality (PacGAN)', '90.0%'],
      ['reverse KL (PacGAN)', '0.04567'],
    ]);
  });

  it('shows an old 2-D row without the PacGAN keys as before', () => {
    const { lines } = evaluationLines({ modes: 8, modesCovered: 6, highQuality: 0.5 });
    expect(lines.map(([label]) => label)).toEqual(['modes covered', 'high quality']);
  });
});
