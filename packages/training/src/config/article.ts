/**
 * The article's eight configs (`configs/<name>.yaml`), each reproducing one of its reference files:
 * the six failed attempts through `f_Generator_Multilayer.py`, the decay trick's final version
 * (`h_multi_last.py`) and its earlier one (`g_multi_multi_layer.py`).
 */
export const ARTICLE_CONFIGS = [
  'failed-1',
  'failed-2',
  'failed-3',
  'failed-4',
  'failed-5',
  'failed-6',
  'decay',
  'decay-early',
] as const;

export type ArticleConfigName = (typeof ARTICLE_CONFIGS)[number];
