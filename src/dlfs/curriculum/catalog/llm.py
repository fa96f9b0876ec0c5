"""Lessons of the llm area (``src/dlfs/lessons/ch13_llm/``).

Large-model techniques: efficient attention, LLM components, scaling laws, LoRA, instruction
tuning and DPO.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="efficient-attention",
        title_en="Efficient attention: online softmax, tiles, windows, kernels",
        title_zh="高效注意力：在线 softmax、分块、滑动窗口与线性注意力",
        path="ch13_llm/efficient_attention.py",
        at=("book:9",),
        checks=("tests/attention/test_attention_flash.py",
                "tests/attention/test_attention_sparse_linear.py",
                "tests/attention/test_attention_memory.py"),
    ),
    Lesson(
        id="llm-components",
        title_en="Modern LLM components: RMSNorm, RoPE, SwiGLU, GQA/MLA, MoE, LoRA, DPO",
        title_zh="现代大模型组件：RMSNorm、RoPE、SwiGLU、GQA/MLA、MoE、LoRA、DPO",
        path="ch13_llm/llm_components.py",
        at=("book:10",),
        checks=("tests/attention/test_attention_variants.py",
                "tests/llm/test_llm_swiglu_moe.py", "tests/llm/test_llm_dpo_scaling.py",
                "tests/peft/test_peft_lora_adapters.py"),
    ),
    Lesson(
        id="scaling-law",
        title_en="A small scaling law: loss vs parameters of tiny GPTs",
        title_zh="小型缩放定律：微型 GPT 的损失与参数量",
        path="ch13_llm/scaling_law.py",
        at=("book:10",),
        checks=("tests/llm/test_llm_dpo_scaling.py",),
    ),
    Lesson(
        id="peft-lora",
        title_en="PEFT: LoRA and adapters on the GPT",
        title_zh="参数高效微调：在 GPT 上使用 LoRA 与 Adapter",
        path="ch13_llm/peft_lora.py",
        at=("topics:peft",),
        checks=("tests/peft/test_peft_lora_adapters.py",),
    ),
    Lesson(
        id="instruction-tuning",
        title_en="Instruction tuning: a chat template and a masked loss",
        title_zh="指令微调：对话模板与掩码损失",
        path="ch13_llm/instruction_tuning.py",
        at=("book:10", "topics:inference"),
        checks=("tests/llm/test_instructions.py", "tests/llm/test_sft_dpo.py",
                "tests/llm/test_chat.py"),
    ),
    Lesson(
        id="dpo-alignment",
        title_en="DPO: aligning on the model's own answers, ranked by a rule",
        title_zh="DPO：用规则给模型自己的回答排序来做对齐",
        path="ch13_llm/dpo_alignment.py",
        at=("book:10", "topics:losses"),
        checks=("tests/llm/test_sft_dpo.py", "tests/llm/test_llm_dpo_scaling.py"),
    ),
)
