/**
 * The built-in model as configs refer to it: its registry reference, its pretraining recipe
 * (examples/pretrain-builtin.yaml holds the same; a test keeps them equal) and its held-out
 * evaluation tasks (examples/eval-builtin.yaml).
 */
export const BUILTIN_MODEL_REF = 'builtin:benchtop-tiny';

/**
 * Arithmetic written column by column, brackets, three classification tasks, Knights & Knaves
 * and word problems, packed into rows of 160 tokens.
 */
export const BUILTIN_RECIPE = {
  model: { architecture: 'llama', hidden_size: 128, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 384, max_position_embeddings: 256, tie_word_embeddings: true },
  data: {
    seq_len: 160,
    packing: true,
    tasks: [
      { task: 'arithmetic', weight: 4, options: { min_digits: 1, max_digits: 3, pad_operands: true, scratchpad: 'columns' } },
      { task: 'brackets', weight: 2, options: { max_pairs: 5 } },
      { task: 'brackets_classify', weight: 1 },
      { task: 'compare', weight: 2, options: { max_digits: 3 } },
      { task: 'majority', weight: 1 },
      { task: 'knights_knaves', weight: 2, options: { people: [2, 3] } },
      { task: 'word_problems', weight: 1.5, options: { levels: [0, 1] } },
    ],
  },
  training: { max_steps: 4500, batch_size: 16, learning_rate: 0.003, lr_scheduler_type: 'cosine', warmup_steps: 100, weight_decay: 0.01, max_grad_norm: 1.0, log_every: 50, eval_every: 1000, checkpoint_every: 1000 },
};

/** The held-out evaluation of the built-in model: its training formats, 2–3 digit addition. */
export const BUILTIN_EVAL_TASKS = [
  { task: 'arithmetic', options: { min_digits: 2, max_digits: 3, ood_digits: 0, pad_operands: true, scratchpad: 'columns' } },
  { task: 'brackets', options: { max_pairs: 5 } },
  { task: 'brackets_classify' },
  { task: 'compare', options: { max_digits: 3 } },
  { task: 'majority' },
  { task: 'knights_knaves', options: { people: [2, 3] } },
  { task: 'word_problems', options: { levels: [0, 1] } },
];
