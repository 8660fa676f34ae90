/**
 * The RLVR presets of issue 12 (one per seed paper's effect), each the same as its YAML in
 * examples/ (tests/core/config/rlvrPresets.test.ts keeps them equal) and each stating its expected
 * effect, checked from the run's or the group's own metrics when it ends (decision 0038). Measured
 * outcomes: README, "RLVR presets"; what was tried: decision 0039.
 * Generated from the YAML files: edit those, then `npx tsx scripts/rlvr-presets.ts`.
 */
import type { KindPreset } from './define';

export const RLVR_PRESETS: KindPreset<'grpo'>[] = [
  {
    "id": "grpo-accuracy-builtin",
    "kind": "grpo",
    "title": "RLVR preset (a): GRPO raises accuracy",
    "description": "Plain GRPO on Knights & Knaves (2–3 people, ≈50% at the start): does greedy held-out accuracy rise by more than 0.03? Checked at the end of the run.",
    "config": {
      "kind": "grpo",
      "name": "preset (a): grpo raises held-out accuracy",
      "seed": 7,
      "tags": [
        "builtin",
        "rlvr",
        "preset"
      ],
      "model": "builtin:benchtop-tiny",
      "tasks": [
        {
          "task": "knights_knaves",
          "options": {
            "people": [
              2,
              3
            ]
          }
        }
      ],
      "num_generations": 8,
      "prompts_per_step": 16,
      "max_completion_length": 16,
      "temperature": 1,
      "beta": 0,
      "epsilon": 0.2,
      "loss_type": "dapo",
      "scale_rewards": "group",
      "training": {
        "max_steps": 60,
        "learning_rate": 0.0003,
        "lr_scheduler_type": "constant",
        "eval_every": 30,
        "log_every": 1
      },
      "eval_examples": 200,
      "completions_to_log": 16,
      "expected_effect": {
        "statement": "Plain GRPO raises greedy held-out accuracy on Knights & Knaves (2–3 people) by more than 0.03",
        "checks": [
          {
            "metric": "eval/knights_knaves/accuracy",
            "of": "change",
            "op": ">",
            "than": 0.03
          }
        ]
      }
    }
  },
  {
    "id": "grpo-failure-prefix-builtin",
    "kind": "grpo",
    "title": "RLVR preset (b): failure-prefix conditioning",
    "description": "A sweep of two runs (off / on) on a saturated set (brackets, 97%): does conditioning on prefixes of the model’s own failures lower the share of groups with no learning signal? Start it from the Sweep section.",
    "config": {
      "kind": "grpo",
      "name": "preset (b): failure-prefix conditioning",
      "seed": 7,
      "tags": [
        "builtin",
        "rlvr",
        "preset"
      ],
      "model": "builtin:benchtop-tiny",
      "tasks": [
        {
          "task": "brackets",
          "options": {
            "max_pairs": 5
          }
        }
      ],
      "num_generations": 8,
      "prompts_per_step": 8,
      "max_completion_length": 16,
      "temperature": 1,
      "beta": 0,
      "loss_type": "dapo",
      "scale_rewards": "group",
      "failure_prefix": {
        "enabled": false,
        "problems": 256,
        "samples_per_problem": 64,
        "saturation_threshold": 0.9,
        "failures_per_problem": 4,
        "prefix_fractions": [
          0.15,
          0.3,
          0.45,
          0.6,
          0.75,
          0.9
        ],
        "target_accuracy": 0.5,
        "probe_samples": 32,
        "reward_text": "prefix_and_continuation",
        "refresh_every": 10
      },
      "training": {
        "max_steps": 20,
        "learning_rate": 0.0001,
        "lr_scheduler_type": "constant",
        "eval_every": 10,
        "log_every": 1
      },
      "eval_examples": 200,
      "completions_to_log": 16,
      "expected_effect": {
        "statement": "Failure-prefix conditioning lowers the zero-signal fraction on a saturated set (brackets, 97% greedy) without losing held-out accuracy against plain GRPO",
        "checks": [
          {
            "metric": "frac_advantage_zero",
            "of": "mean",
            "op": "<",
            "arm": {
              "failure_prefix.enabled": true
            },
            "than_arm": {
              "failure_prefix.enabled": false
            },
            "margin": 0.2
          },
          {
            "metric": "eval/brackets/accuracy",
            "of": "final",
            "op": ">=",
            "arm": {
              "failure_prefix.enabled": true
            },
            "than_arm": {
              "failure_prefix.enabled": false
            }
          }
        ]
      }
    },
    "sweep": {
      "name": "preset (b): failure-prefix conditioning on a saturated set",
      "grid": [
        {
          "path": "failure_prefix.enabled",
          "values": [
            false,
            true
          ]
        }
      ]
    }
  },
  {
    "id": "grpo-llds-builtin",
    "kind": "grpo",
    "title": "RLVR preset (c): LLDS",
    "description": "A sweep of two runs (LLDS off / on) at a learning rate where plain GRPO collapses: does LLDS keep the log-probability of correct answers and the accuracy up? Start it from the Sweep section.",
    "config": {
      "kind": "grpo",
      "name": "preset (c): LLDS",
      "seed": 7,
      "tags": [
        "builtin",
        "rlvr",
        "preset"
      ],
      "model": "builtin:benchtop-tiny",
      "tasks": [
        {
          "task": "knights_knaves",
          "options": {
            "people": [
              3
            ]
          }
        }
      ],
      "num_generations": 8,
      "prompts_per_step": 8,
      "max_completion_length": 16,
      "temperature": 1,
      "beta": 0,
      "loss_type": "dapo",
      "scale_rewards": "group",
      "num_iterations": 2,
      "llds": {
        "enabled": false,
        "lambda": 1,
        "gate": "action"
      },
      "training": {
        "max_steps": 40,
        "learning_rate": 0.001,
        "lr_scheduler_type": "constant",
        "eval_every": 20,
        "log_every": 1
      },
      "eval_examples": 200,
      "completions_to_log": 16,
      "expected_effect": {
        "statement": "LLDS keeps the log-probability of correct responses from decaying where plain GRPO lets it fall, and keeps more held-out accuracy",
        "checks": [
          {
            "metric": "logprob/pos_mean",
            "of": "late_mean",
            "op": ">",
            "arm": {
              "llds.enabled": true
            },
            "than_arm": {
              "llds.enabled": false
            }
          },
          {
            "metric": "eval/knights_knaves/accuracy",
            "of": "final",
            "op": ">",
            "arm": {
              "llds.enabled": true
            },
            "than_arm": {
              "llds.enabled": false
            }
          }
        ]
      }
    },
    "sweep": {
      "name": "preset (c): LLDS against likelihood decay",
      "grid": [
        {
          "path": "llds.enabled",
          "values": [
            false,
            true
          ]
        }
      ]
    }
  },
  {
    "id": "grpo-thr-builtin",
    "kind": "grpo",
    "title": "RLVR preset (d): THR p > 0 vs p < 0",
    "description": "A sweep of four runs (p = ±0.5, two seeds): does p > 0 raise greedy accuracy more, and p < 0 pass@k more? Start it from the Sweep section.",
    "config": {
      "kind": "grpo",
      "name": "preset (d): THR",
      "seed": 1,
      "tags": [
        "builtin",
        "rlvr",
        "preset"
      ],
      "model": "builtin:benchtop-tiny",
      "tasks": [
        {
          "task": "knights_knaves",
          "options": {
            "people": [
              2,
              3
            ]
          }
        }
      ],
      "num_generations": 8,
      "prompts_per_step": 8,
      "max_completion_length": 16,
      "temperature": 1,
      "beta": 0,
      "loss_type": "dapo",
      "scale_rewards": "group",
      "thr": {
        "enabled": true,
        "p": 0.5
      },
      "training": {
        "max_steps": 40,
        "learning_rate": 0.0003,
        "lr_scheduler_type": "constant",
        "eval_every": 20,
        "log_every": 1
      },
      "eval_examples": 200,
      "completions_to_log": 16,
      "expected_effect": {
        "statement": "THR with p > 0 raises greedy accuracy more than p < 0, and p < 0 raises pass@k more (fewer groups with no correct sample)",
        "checks": [
          {
            "metric": "eval/knights_knaves/accuracy",
            "of": "change",
            "op": ">",
            "arm": {
              "thr.p": 0.5
            },
            "than_arm": {
              "thr.p": -0.5
            },
            "margin": 0.02
          },
          {
            "metric": "groups/solve_none",
            "of": "late_mean",
            "op": "<",
            "arm": {
              "thr.p": -0.5
            },
            "than_arm": {
              "thr.p": 0.5
            },
            "margin": 0.05
          }
        ]
      }
    },
    "sweep": {
      "name": "preset (d): THR p > 0 vs p < 0",
      "grid": [
        {
          "path": "thr.p",
          "values": [
            0.5,
            -0.5
          ]
        },
        {
          "path": "seed",
          "values": [
            1,
            2
          ]
        }
      ]
    }
  },
];
