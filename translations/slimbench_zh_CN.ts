<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ModelOverview</name>
    <message>
        <source>scalar</source>
        <translation>标量</translation>
    </message>
    <message>
        <source>tied to embed_tokens</source>
        <translation>与 embed_tokens 共享</translation>
    </message>
    <message>
        <source>other tensors</source>
        <translation>其他张量</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>State: %1</source>
        <translation>状态：%1</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Slimbench: a workbench for compressing large language models.</source>
        <translation>Slimbench：用于压缩大语言模型的工作台。</translation>
    </message>
    <message>
        <source>A checkpoint folder to open.</source>
        <translation>要打开的检查点文件夹。</translation>
    </message>
    <message>
        <source>Open the built-in demo model, creating it first if needed.</source>
        <translation>打开内置演示模型，如有需要先创建它。</translation>
    </message>
    <message>
        <source>A pipeline file to open in the pipeline editor (with --demo: the example prune-lora-quantize.json by default).</source>
        <translation>在流水线编辑器中打开的流水线文件（使用 --demo 时默认为示例 prune-lora-quantize.json）。</translation>
    </message>
    <message>
        <source>Write the PDF report of a result database and exit.</source>
        <translation>写出结果数据库的 PDF 报告并退出。</translation>
    </message>
    <message>
        <source>The result database (with --report-pdf).</source>
        <translation>结果数据库（与 --report-pdf 一起使用）。</translation>
    </message>
    <message>
        <source>Only this pipeline run (id or name); repeatable.</source>
        <translation>仅此流水线运行（ID 或名称）；可重复。</translation>
    </message>
    <message>
        <source>Only models whose folder name contains NAME.</source>
        <translation>仅文件夹名包含 NAME 的模型。</translation>
    </message>
    <message>
        <source>The variant changes are relative to.</source>
        <translation>变化所相对的变体。</translation>
    </message>
    <message>
        <source>a4 (default) or letter.</source>
        <translation>a4（默认）或 letter。</translation>
    </message>
    <message>
        <source>A result database to open in the comparison view.</source>
        <translation>在对比视图中打开的结果数据库。</translation>
    </message>
    <message>
        <source>Only this quality task.</source>
        <translation>仅此质量任务。</translation>
    </message>
</context>
<context>
    <name>slim::app::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Recent Models</source>
        <translation>最近的模型(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Open Model Folder…</source>
        <translation>打开模型文件夹(&amp;O)…</translation>
    </message>
    <message>
        <source>Open a Hugging Face checkpoint folder (config.json and *.safetensors)</source>
        <translation>打开 Hugging Face 检查点文件夹（config.json 和 *.safetensors）</translation>
    </message>
    <message>
        <source>Open &amp;Demo Model</source>
        <translation>打开演示模型(&amp;D)</translation>
    </message>
    <message>
        <source>Open the small built-in demo model, creating it first if needed</source>
        <translation>打开内置的小型演示模型，如有需要先创建它</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>清除菜单(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;About Slimbench</source>
        <translation>关于 Slimbench(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <source>Main Toolbar</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Model Summary</source>
        <translation>模型摘要</translation>
    </message>
    <message>
        <source>Generation</source>
        <translation>文本生成</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>No recent models</source>
        <translation>没有最近的模型</translation>
    </message>
    <message>
        <source>Unknown error</source>
        <translation>未知错误</translation>
    </message>
    <message>
        <source>Could not open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <source>Could not open the model</source>
        <translation>无法打开模型</translation>
    </message>
    <message>
        <source>The folder %1 could not be opened as a model.

%2</source>
        <translation>无法将文件夹 %1 作为模型打开。

%2</translation>
    </message>
    <message numerus="yes">
        <source>Opened %1 (%2, %n layer(s))</source>
        <translation>
            <numerusform>已打开 %1（%2，%n 层）</numerusform>
        </translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>No model open</source>
        <translation>未打开模型</translation>
    </message>
    <message>
        <source>%1 · %2 parameters · %3</source>
        <translation>%1 · %2 个参数 · %3</translation>
    </message>
    <message>
        <source>Open Model Folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <source>Create the Demo Model?</source>
        <translation>创建演示模型？</translation>
    </message>
    <message>
        <source>The demo model has not been created yet.

Slimbench can train it now on this computer: a small Llama-style model, which takes a few minutes. It will be stored in %1.</source>
        <translation>演示模型尚未创建。

Slimbench 可以现在在这台计算机上训练它：一个小型的 Llama 风格模型，需要几分钟。它将保存在 %1。</translation>
    </message>
    <message>
        <source>slimbench-cli, which creates the demo model, was not found. Looked in:
%1</source>
        <translation>未找到用于创建演示模型的 slimbench-cli。已查找：
%1</translation>
    </message>
    <message>
        <source>Could not create the demo model</source>
        <translation>无法创建演示模型</translation>
    </message>
    <message>
        <source>Creating the demo model…</source>
        <translation>正在创建演示模型…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Demo Model</source>
        <translation>演示模型</translation>
    </message>
    <message>
        <source>Cancelling the demo model…</source>
        <translation>正在取消创建演示模型…</translation>
    </message>
    <message>
        <source>Running %1 %2</source>
        <translation>正在运行 %1 %2</translation>
    </message>
    <message>
        <source>The demo model was created.</source>
        <translation>演示模型已创建。</translation>
    </message>
    <message>
        <source>slimbench-cli finished, but no complete demo model is in %1.</source>
        <translation>slimbench-cli 已完成，但 %1 中没有完整的演示模型。</translation>
    </message>
    <message>
        <source>Creating the demo model was cancelled.</source>
        <translation>已取消创建演示模型。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Creating the demo model failed: %1</source>
        <translation>创建演示模型失败：%1</translation>
    </message>
    <message>
        <source>Settings saved. A new language takes effect after a restart.</source>
        <translation>设置已保存。新的语言将在重新启动后生效。</translation>
    </message>
    <message>
        <source>About Slimbench</source>
        <translation>关于 Slimbench</translation>
    </message>
    <message>
        <source>Layer block selected for depth pruning: layers %1–%2</source>
        <translation>已选择用于深度剪枝的层块：第 %1–%2 层</translation>
    </message>
    <message>
        <source>Layer Similarity</source>
        <translation>层相似度</translation>
    </message>
    <message>
        <source>Compare with model folder</source>
        <translation>与模型文件夹比较</translation>
    </message>
    <message>
        <source>Activations</source>
        <translation>激活值</translation>
    </message>
    <message>
        <source>Weight Distributions</source>
        <translation>权重分布</translation>
    </message>
    <message>
        <source>&amp;Analysis</source>
        <translation>分析(&amp;A)</translation>
    </message>
    <message>
        <source>Analyse &amp;Layer Similarity</source>
        <translation>分析层相似度(&amp;L)</translation>
    </message>
    <message>
        <source>Compute the layer-similarity heatmap of the open model</source>
        <translation>计算当前模型的层相似度热图</translation>
    </message>
    <message>
        <source>Measure &amp;Activations</source>
        <translation>测量激活值(&amp;A)</translation>
    </message>
    <message>
        <source>Record the per-channel magnitudes of every projection input</source>
        <translation>记录每个投影输入的逐通道幅值</translation>
    </message>
    <message>
        <source>Weight &amp;Distributions</source>
        <translation>权重分布(&amp;D)</translation>
    </message>
    <message>
        <source>Show histograms and statistics of the weights</source>
        <translation>显示权重的直方图和统计量</translation>
    </message>
    <message>
        <source>&amp;Compare Weights With…</source>
        <translation>与…比较权重(&amp;C)</translation>
    </message>
    <message>
        <source>Overlay the weight distributions of a second model</source>
        <translation>叠加第二个模型的权重分布</translation>
    </message>
    <message>
        <source>Depth-pruned model written to %1</source>
        <translation>已将深度剪枝后的模型写入 %1</translation>
    </message>
    <message>
        <source>Open pipeline</source>
        <translation>打开流水线</translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation>流水线 (*.json)</translation>
    </message>
    <message>
        <source>Pipeline node %1: %2</source>
        <translation>流水线节点 %1：%2</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>流水线</translation>
    </message>
    <message>
        <source>Open &amp;Pipeline…</source>
        <translation>打开流水线(&amp;P)…</translation>
    </message>
    <message>
        <source>Open a pipeline file (slimbench-pipeline JSON) in the pipeline editor</source>
        <translation>在流水线编辑器中打开流水线文件（slimbench-pipeline JSON）</translation>
    </message>
    <message>
        <source>pipeline node %1</source>
        <translation>流水线节点 %1</translation>
    </message>
    <message>
        <source>Open &amp;Results…</source>
        <translation>打开结果(&amp;R)…</translation>
    </message>
    <message>
        <source>Open a result database (results.sqlite) in the comparison view</source>
        <translation>在对比视图中打开结果数据库（results.sqlite）</translation>
    </message>
    <message>
        <source>&amp;Export Report…</source>
        <translation>导出报告(&amp;E)…</translation>
    </message>
    <message>
        <source>Write the comparison of the variants as a PDF (or Markdown) report</source>
        <translation>将变体对比写成 PDF（或 Markdown）报告</translation>
    </message>
    <message>
        <source>Comparison</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Jobs run with %1; this window with %2</source>
        <translation>作业使用 %1；本窗口使用 %2</translation>
    </message>
    <message>
        <source>Will It Fit?</source>
        <translation>放得下吗？</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Slimbench %1&lt;/h3&gt;&lt;p&gt;A desktop workbench for compressing large language models: load a checkpoint, analyse it, prune, recover, quantize, evaluate and export.&lt;/p&gt;&lt;p&gt;Built with Qt %2 and QCustomPlot; this window: %3.&lt;/p&gt;&lt;p&gt;Jobs (slimbench-cli): %4&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Slimbench %1&lt;/h3&gt;&lt;p&gt;用于压缩大语言模型的桌面工作台：加载检查点、分析、剪枝、恢复、量化、评估和导出。&lt;/p&gt;&lt;p&gt;使用 Qt %2 和 QCustomPlot 构建；本窗口：%3。&lt;/p&gt;&lt;p&gt;作业（slimbench-cli）：%4&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>slim::app::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>A new language takes effect when Slimbench is started again.</source>
        <translation>新的语言将在 Slimbench 重新启动后生效。</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Where analyses, generation and pipeline runs compute unless a job says otherwise</source>
        <translation>分析、生成和流水线运行默认使用的计算设备（除非作业另行指定）</translation>
    </message>
    <message>
        <source>Default &amp;device:</source>
        <translation>默认设备(&amp;D)：</translation>
    </message>
</context>
<context>
    <name>slim::app::WelcomePage</name>
    <message>
        <source>Slimbench</source>
        <translation>Slimbench</translation>
    </message>
    <message>
        <source>A workbench for making large language models smaller: inspect, prune, quantize, recover and evaluate.
Open a Hugging Face checkpoint folder (config.json and *.safetensors) or start with the small built-in demo model.</source>
        <translation>一个让大语言模型变小的工作台：检查、剪枝、量化、恢复和评估。
打开 Hugging Face 检查点文件夹（config.json 和 *.safetensors），或从内置的小型演示模型开始。</translation>
    </message>
    <message>
        <source>Open Model Folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <source>Open Demo Model</source>
        <translation>打开演示模型</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ActivationPanel</name>
    <message>
        <source>Calibration text</source>
        <translation>校准文本</translation>
    </message>
    <message>
        <source>Calibration text:</source>
        <translation>校准文本：</translation>
    </message>
    <message>
        <source>a text file (e.g. WikiText-2 wiki.test.raw)</source>
        <translation>文本文件（例如 WikiText-2 wiki.test.raw）</translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation>样本：</translation>
    </message>
    <message>
        <source>Number of token windows drawn from the text</source>
        <translation>从文本中抽取的词元窗口数</translation>
    </message>
    <message>
        <source>Tokens per window</source>
        <translation>每个窗口的词元数</translation>
    </message>
    <message>
        <source>Outlier threshold:</source>
        <translation>离群阈值：</translation>
    </message>
    <message>
        <source>A channel is an outlier when some |x| exceeds this (LLM.int8 uses 6.0)</source>
        <translation>当某个 |x| 超过此值时该通道为离群通道（LLM.int8 使用 6.0）</translation>
    </message>
    <message>
        <source>&amp;Measure activations</source>
        <translation>测量激活值(&amp;M)</translation>
    </message>
    <message>
        <source>Run the calibration text through the model and record every projection&apos;s input (runs slimbench-cli analyze in the background)</source>
        <translation>将校准文本输入模型并记录每个投影的输入（在后台运行 slimbench-cli analyze）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Input of:</source>
        <translation>输入：</translation>
    </message>
    <message>
        <source>mean |x| (AWQ)</source>
        <translation>平均 |x|（AWQ）</translation>
    </message>
    <message>
        <source>‖x‖₂ (Wanda)</source>
        <translation>‖x‖₂（Wanda）</translation>
    </message>
    <message>
        <source>max |x|</source>
        <translation>最大 |x|</translation>
    </message>
    <message>
        <source>Per-channel magnitude over the calibration tokens</source>
        <translation>校准词元上的逐通道幅值</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>通道</translation>
    </message>
    <message>
        <source>Tokens above</source>
        <translation>超出的词元数</translation>
    </message>
    <message>
        <source>mean |x|</source>
        <translation>平均 |x|</translation>
    </message>
    <message>
        <source>Choose a calibration text file first.</source>
        <translation>请先选择校准文本文件。</translation>
    </message>
    <message>
        <source>Measuring activations…</source>
        <translation>正在测量激活值…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>The analysis returned no activation statistics.</source>
        <translation>分析未返回激活统计。</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Activation statistics failed: %1</source>
        <translation>激活统计失败：%1</translation>
    </message>
    <message>
        <source>%1 tokens in %2 windows, %3 on %4</source>
        <translation>%2 个窗口共 %1 个词元，%3，设备 %4</translation>
    </message>
    <message>
        <source>Activation statistics of %1: %2</source>
        <translation>%1 的激活统计：%2</translation>
    </message>
    <message>
        <source>layer %1 · %2</source>
        <translation>第 %1 层 · %2</translation>
    </message>
    <message>
        <source>input channel</source>
        <translation>输入通道</translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation>请先打开模型。</translation>
    </message>
    <message>
        <source>Press “Measure activations” to record the inputs of every projection.</source>
        <translation>点击“测量激活值”以记录每个投影的输入。</translation>
    </message>
    <message numerus="yes">
        <source>%1 channels over %2 tokens; max |x| %3; %n outlier channel(s) above %4</source>
        <translation>
            <numerusform>%1 个通道，%2 个词元；最大 |x| %3；%n 个通道超过 %4</numerusform>
        </translation>
    </message>
    <message>
        <source>channel %1: %2 = %3%4</source>
        <translation>通道 %1：%2 = %3%4</translation>
    </message>
    <message>
        <source> (outlier)</source>
        <translation>（离群）</translation>
    </message>
    <message>
        <source>No activations measured yet</source>
        <translation>尚未测量激活值</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ComparisonCharts</name>
    <message>
        <source>lower is better</source>
        <translation>越低越好</translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation>越高越好</translation>
    </message>
    <message>
        <source>%1: no %2 value</source>
        <translation>%1：没有 %2 的值</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>帕累托前沿</translation>
    </message>
    <message>
        <source>No measured metric to chart</source>
        <translation>没有可绘制的测量指标</translation>
    </message>
    <message>
        <source>%1: no change vs the base (base value missing or 0)</source>
        <translation>%1：无相对基线的变化（基线值缺失或为 0）</translation>
    </message>
    <message>
        <source>%1: change vs %2 (%)</source>
        <translation>%1：相对 %2 的变化（%）</translation>
    </message>
    <message>
        <source>Change of %1 vs the base — %2</source>
        <translation>%1 相对基线的变化 — %2</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>stored weights (MB)</source>
        <translation>存储的权重（MB）</translation>
    </message>
    <message>
        <source>stored size not available</source>
        <translation>存储大小不可用</translation>
    </message>
    <message>
        <source>%1 vs stored weights — %2</source>
        <translation>%1 与存储权重 — %2</translation>
    </message>
    <message>
        <source>decode tokens/s, batch 1</source>
        <translation>解码词元/秒，批大小 1</translation>
    </message>
    <message>
        <source>decode speed not measured (an Evaluate node with speed on, or slimbench-cli bench --db)</source>
        <translation>未测量解码速度（启用 speed 的评估节点，或 slimbench-cli bench --db）</translation>
    </message>
    <message>
        <source>%1 vs decode speed — %2</source>
        <translation>%1 与解码速度 — %2</translation>
    </message>
    <message>
        <source> — speeds measured on different devices: %1</source>
        <translation> — 速度在不同设备上测量：%1</translation>
    </message>
    <message>
        <source>%1: no %2 in its steps</source>
        <translation>%1：其步骤中没有 %2</translation>
    </message>
    <message>
        <source>%1 vs %2 — %3</source>
        <translation>%1 与 %2 — %3</translation>
    </message>
    <message>
        <source>%1: choose a .svg, .png or .pdf file</source>
        <translation>%1：请选择 .svg、.png 或 .pdf 文件</translation>
    </message>
    <message>
        <source>%1 could not be written</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <source>metrics</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>peak memory (MB)</source>
        <translation>峰值内存（MB）</translation>
    </message>
    <message>
        <source>peak memory not measured</source>
        <translation>未测量峰值内存</translation>
    </message>
    <message>
        <source>%1 vs peak memory — %2</source>
        <translation>%1 与峰值内存 — %2</translation>
    </message>
    <message>
        <source> — peaks measured differently: %1</source>
        <translation> — 峰值的测量方式不同：%1</translation>
    </message>
    <message>
        <source>energy (J/token)</source>
        <translation>能耗（J/词元）</translation>
    </message>
    <message>
        <source>energy not available</source>
        <translation>能耗不可用</translation>
    </message>
    <message>
        <source>%1 vs energy per token — %2</source>
        <translation>%1 与每词元能耗 — %2</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ComparisonView</name>
    <message>
        <source>Open a result database (results.sqlite)…</source>
        <translation>打开结果数据库（results.sqlite）…</translation>
    </message>
    <message>
        <source>Reread the database</source>
        <translation>重新读取数据库</translation>
    </message>
    <message>
        <source>Run:</source>
        <translation>运行：</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>folder name contains…</source>
        <translation>文件夹名包含…</translation>
    </message>
    <message>
        <source>± standard error</source>
        <translation>± 标准误差</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Choose the table&apos;s columns</source>
        <translation>选择表格的列</translation>
    </message>
    <message>
        <source>Chart:</source>
        <translation>图表：</translation>
    </message>
    <message>
        <source>Metric:</source>
        <translation>指标：</translation>
    </message>
    <message>
        <source>% vs base</source>
        <translation>相对基线 %</translation>
    </message>
    <message>
        <source>Bars show the change relative to the base variant</source>
        <translation>柱形显示相对基线变体的变化</translation>
    </message>
    <message>
        <source>Export chart…</source>
        <translation>导出图表…</translation>
    </message>
    <message>
        <source>Save the chart as SVG (vector) or PNG</source>
        <translation>将图表保存为 SVG（矢量）或 PNG</translation>
    </message>
    <message>
        <source>Export report…</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <source>Write the report of the selection as PDF (charts as vector graphics) or Markdown</source>
        <translation>将所选内容的报告写成 PDF（图表为矢量图）或 Markdown</translation>
    </message>
    <message>
        <source>Bars per variant</source>
        <translation>每个变体的柱形</translation>
    </message>
    <message>
        <source>Quality vs speed</source>
        <translation>质量与速度</translation>
    </message>
    <message>
        <source>Metric vs setting</source>
        <translation>指标与设置</translation>
    </message>
    <message>
        <source>No result database open</source>
        <translation>未打开结果数据库</translation>
    </message>
    <message>
        <source>Comparison: %1</source>
        <translation>对比：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>%n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <source>all records</source>
        <translation>所有记录</translation>
    </message>
    <message>
        <source>Open result database</source>
        <translation>打开结果数据库</translation>
    </message>
    <message>
        <source>Result databases (*.sqlite *.db);;All files (*)</source>
        <translation>结果数据库 (*.sqlite *.db);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Comparison: %1 variant(s), %2 record(s)</source>
        <translation>对比：%1 个变体，%2 条记录</translation>
    </message>
    <message>
        <source>No compression setting varies over these variants (bits, sparsity, layers removed, group, LoRA rank).</source>
        <translation>这些变体之间没有变化的压缩设置（位数、稀疏度、移除的层、分组、LoRA 秩）。</translation>
    </message>
    <message>
        <source>Left out: %1</source>
        <translation>已略去：%1</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>导出图表</translation>
    </message>
    <message>
        <source>SVG (*.svg);;PNG (*.png)</source>
        <translation>SVG (*.svg);;PNG (*.png)</translation>
    </message>
    <message>
        <source>Chart written to %1</source>
        <translation>图表已写入 %1</translation>
    </message>
    <message>
        <source>Open a result database first.</source>
        <translation>请先打开结果数据库。</translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>导出报告</translation>
    </message>
    <message>
        <source>PDF (*.pdf);;Markdown (*.md)</source>
        <translation>PDF (*.pdf);;Markdown (*.md)</translation>
    </message>
    <message>
        <source>Report: %1</source>
        <translation>报告：%1</translation>
    </message>
    <message>
        <source>Report written to %1</source>
        <translation>报告已写入 %1</translation>
    </message>
    <message>
        <source>Task:</source>
        <translation>任务：</translation>
    </message>
    <message>
        <source>all tasks</source>
        <translation>所有任务</translation>
    </message>
    <message>
        <source>Quality vs stored size</source>
        <translation>质量与存储大小</translation>
    </message>
    <message>
        <source>Quality vs peak memory</source>
        <translation>质量与峰值内存</translation>
    </message>
    <message>
        <source>Quality vs energy</source>
        <translation>质量与能耗</translation>
    </message>
</context>
<context>
    <name>slim::widgets::DeviceCatalog</name>
    <message>
        <source>slimbench-cli devices returned no result</source>
        <translation>slimbench-cli devices 没有返回结果</translation>
    </message>
    <message>
        <source> — %1 of %2 GiB free</source>
        <translation> — %2 GiB 中空闲 %1 GiB</translation>
    </message>
    <message>
        <source>, compute %1</source>
        <translation>，计算能力 %1</translation>
    </message>
    <message>
        <source>LibTorch %1, %2</source>
        <translation>LibTorch %1，%2</translation>
    </message>
    <message>
        <source>with CUDA</source>
        <translation>带 CUDA</translation>
    </message>
    <message>
        <source>CPU only</source>
        <translation>仅 CPU</translation>
    </message>
    <message>
        <source>not known yet</source>
        <translation>尚未知</translation>
    </message>
    <message>
        <source>LibTorch %1, %2: %3</source>
        <translation>LibTorch %1，%2：%3</translation>
    </message>
    <message>
        <source>no CUDA</source>
        <translation>无 CUDA</translation>
    </message>
</context>
<context>
    <name>slim::widgets::DevicePicker</name>
    <message>
        <source>CUDA: not in this build (see README, CUDA build)</source>
        <translation>CUDA：此构建中没有（见 README，CUDA 构建）</translation>
    </message>
    <message>
        <source>Where the job runs (slimbench-cli --device)</source>
        <translation>作业运行的位置（slimbench-cli --device）</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Compute dtype (auto: the checkpoint&apos;s 16-bit dtype on a GPU; on the CPU bf16 for a bf16 checkpoint if the CPU has AVX-512, else fp32)</source>
        <translation>计算数据类型（自动：GPU 上用检查点的 16 位类型；CPU 支持 AVX-512 时 bf16 检查点用 bf16，否则用 fp32）</translation>
    </message>
</context>
<context>
    <name>slim::widgets::DistributionPanel</name>
    <message>
        <source>Compare with model folder</source>
        <translation>与模型文件夹比较</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>One kind across layers</source>
        <translation>同类张量（跨层）</translation>
    </message>
    <message>
        <source>One layer</source>
        <translation>单层</translation>
    </message>
    <message>
        <source>One tensor</source>
        <translation>单个张量</translation>
    </message>
    <message>
        <source>Histogram of all tensors of a kind over every layer (e.g. all down_proj), of one layer&apos;s projection matrices, or of a single tensor</source>
        <translation>某类张量在所有层上的直方图（例如所有 down_proj）、单层投影矩阵的直方图，或单个张量的直方图</translation>
    </message>
    <message>
        <source>Bins:</source>
        <translation>分箱数：</translation>
    </message>
    <message>
        <source>Log counts</source>
        <translation>对数计数</translation>
    </message>
    <message>
        <source>Draw counts on a logarithmic scale: shows the tails and outliers</source>
        <translation>以对数刻度绘制计数：显示尾部和离群值</translation>
    </message>
    <message>
        <source>Range:</source>
        <translation>范围：</translation>
    </message>
    <message>
        <source>Histogram over a chosen range instead of each tensor&apos;s min..max; values outside are counted separately</source>
        <translation>在选定范围而非各张量的最小..最大值上统计直方图；范围外的值单独计数</translation>
    </message>
    <message>
        <source>Compare with…</source>
        <translation>比较…</translation>
    </message>
    <message>
        <source>Overlay the same tensors of a second model (e.g. after compression)</source>
        <translation>叠加第二个模型的相同张量（例如压缩后）</translation>
    </message>
    <message>
        <source>Stop comparing</source>
        <translation>停止比较</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>no comparison</source>
        <translation>无比较</translation>
    </message>
    <message>
        <source>compared with %1</source>
        <translation>与 %1 比较</translation>
    </message>
    <message>
        <source>Open a model to see its weight distributions.</source>
        <translation>打开模型以查看其权重分布。</translation>
    </message>
    <message>
        <source>The range needs low &lt; high.</source>
        <translation>范围需要下限 &lt; 上限。</translation>
    </message>
    <message>
        <source>Computing weight statistics…</source>
        <translation>正在计算权重统计…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Weight statistics failed: %1</source>
        <translation>权重统计失败：%1</translation>
    </message>
    <message>
        <source>%1 tensors, %2 values in %3 s</source>
        <translation>%1 个张量，%2 个值，用时 %3 秒</translation>
    </message>
    <message>
        <source>Weight statistics of %1: %2</source>
        <translation>%1 的权重统计：%2</translation>
    </message>
    <message>
        <source>%1 does not exist in %2 (pruned or renamed?)</source>
        <translation>%2 中不存在 %1（已剪枝或重命名？）</translation>
    </message>
    <message>
        <source>Values</source>
        <translation>数值个数</translation>
    </message>
    <message>
        <source>Data type</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <source>Mean</source>
        <translation>均值</translation>
    </message>
    <message>
        <source>Std (population)</source>
        <translation>标准差（总体）</translation>
    </message>
    <message>
        <source>Excess kurtosis</source>
        <translation>超额峰度</translation>
    </message>
    <message>
        <source>Skewness</source>
        <translation>偏度</translation>
    </message>
    <message>
        <source>Min</source>
        <translation>最小值</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>最大值</translation>
    </message>
    <message>
        <source>Max |w|</source>
        <translation>最大 |w|</translation>
    </message>
    <message>
        <source>Beyond %1σ</source>
        <translation>超出 %1σ</translation>
    </message>
    <message>
        <source>Exact zeros (sparsity)</source>
        <translation>精确零值（稀疏度）</translation>
    </message>
    <message>
        <source>NaN / ±Inf</source>
        <translation>NaN / ±Inf</translation>
    </message>
</context>
<context>
    <name>slim::widgets::GenerationPanel</name>
    <message numerus="yes">
        <source>Prompt: %n token(s)</source>
        <translation>
            <numerusform>提示词：%n 个词元</numerusform>
        </translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Generation failed: %1</source>
        <translation>文本生成失败：%1</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Generation cancelled.</source>
        <translation>文本生成已取消。</translation>
    </message>
    <message>
        <source>&amp;Prompt:</source>
        <translation>提示词(&amp;P)：</translation>
    </message>
    <message>
        <source>Max. new tokens:</source>
        <translation>最大新词元数：</translation>
    </message>
    <message>
        <source>Temperature:</source>
        <translation>温度：</translation>
    </message>
    <message>
        <source>greedy</source>
        <translation>贪心</translation>
    </message>
    <message>
        <source>0 = always take the most likely token</source>
        <translation>0 = 总是选取概率最高的词元</translation>
    </message>
    <message>
        <source>Top-p:</source>
        <translation>Top-p：</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>随机种子：</translation>
    </message>
    <message>
        <source>Stop at end of sequence</source>
        <translation>在序列结束符处停止</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Output:</source>
        <translation>输出：</translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation>请先打开一个模型。</translation>
    </message>
    <message>
        <source>This model folder has no tokenizer.json.</source>
        <translation>此模型文件夹中没有 tokenizer.json。</translation>
    </message>
    <message>
        <source>Load the model (first time) and generate text.</source>
        <translation>加载模型（首次）并生成文本。</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
</context>
<context>
    <name>slim::widgets::GenerationSession</name>
    <message>
        <source>Loading tokenizer…</source>
        <translation>正在加载分词器…</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message numerus="yes">
        <source>%n new token(s) in %1 s · prefill %2 tok/s · decode %3 tok/s</source>
        <translation>
            <numerusform>%1 秒内生成 %n 个新词元 · 预填充 %2 词元/秒 · 解码 %3 词元/秒</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>slim::widgets::HistogramPlot</name>
    <message>
        <source>density</source>
        <translation>密度</translation>
    </message>
    <message>
        <source>count</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>%1: [%2, %3) %4 values (%5 %)</source>
        <translation>%1：[%2, %3) %4 个值（%5 %）</translation>
    </message>
    <message>
        <source>, density %1</source>
        <translation>，密度 %1</translation>
    </message>
</context>
<context>
    <name>slim::widgets::Job</name>
    <message>
        <source>Could not start %1: %2</source>
        <translation>无法启动 %1：%2</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>%1 crashed.</source>
        <translation>%1 崩溃了。</translation>
    </message>
    <message>
        <source>%1 exited with code %2.</source>
        <translation>%1 以代码 %2 退出。</translation>
    </message>
    <message>
        <source>slimbench-cli was not found. Looked in:
%1</source>
        <translation>未找到 slimbench-cli。已查找：
%1</translation>
    </message>
    <message>
        <source>Out of memory.</source>
        <translation>内存不足。</translation>
    </message>
    <message>
        <source>Unknown error.</source>
        <translation>未知错误。</translation>
    </message>
</context>
<context>
    <name>slim::widgets::MemoryEstimateView</name>
    <message>
        <source>No estimate: %1</source>
        <translation>无估计：%1</translation>
    </message>
    <message>
        <source>Job:</source>
        <translation>作业：</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <source>Context / sequence length:</source>
        <translation>上下文 / 序列长度：</translation>
    </message>
    <message>
        <source>New tokens:</source>
        <translation>新词元：</translation>
    </message>
    <message>
        <source>Batch (0 = automatic):</source>
        <translation>批大小（0 = 自动）：</translation>
    </message>
    <message>
        <source>Calibration samples:</source>
        <translation>校准样本：</translation>
    </message>
    <message>
        <source>Layer-wise offload (one layer on the device)</source>
        <translation>逐层卸载（设备上只放一层）</translation>
    </message>
    <message>
        <source>generate, eval(uate perplexity), LoRA / QLoRA / distillation training, or a quantization / pruning method</source>
        <translation>generate、eval（困惑度评估）、LoRA / QLoRA / 蒸馏训练，或某种量化 / 剪枝方法</translation>
    </message>
    <message>
        <source>Open a model to see whether a job fits.</source>
        <translation>打开一个模型以查看作业是否放得下。</translation>
    </message>
    <message>
        <source>total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <source> free: %1 GiB</source>
        <translation> 空闲：%1 GiB</translation>
    </message>
    <message>
        <source>Fits: %1 GiB of %2 GiB free.</source>
        <translation>放得下：需要 %1 GiB，空闲 %2 GiB。</translation>
    </message>
    <message>
        <source>Does not fit: %1 GiB needed, %2 GiB free.</source>
        <translation>放不下：需要 %1 GiB，空闲 %2 GiB。</translation>
    </message>
    <message>
        <source>Needs about %1 GiB (free memory unknown).</source>
        <translation>约需 %1 GiB（空闲内存未知）。</translation>
    </message>
    <message>
        <source>It would fit with %1.</source>
        <translation>使用 %1 即可放下。</translation>
    </message>
    <message>
        <source>No smaller setting tried fits: choose a device with more memory or a smaller model.</source>
        <translation>尝试的较小设置都放不下：请选择内存更大的设备或更小的模型。</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ModelSummaryWidget</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>Hidden size</source>
        <translation>隐藏层大小</translation>
    </message>
    <message>
        <source>MLP size</source>
        <translation>MLP 大小</translation>
    </message>
    <message>
        <source>Heads / KV heads</source>
        <translation>注意力头 / KV 头</translation>
    </message>
    <message>
        <source>Head dim</source>
        <translation>头维度</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>词表大小</translation>
    </message>
    <message>
        <source>Max. positions</source>
        <translation>最大位置数</translation>
    </message>
    <message>
        <source>RoPE theta</source>
        <translation>RoPE theta</translation>
    </message>
    <message>
        <source>Tied embeddings</source>
        <translation>共享嵌入</translation>
    </message>
    <message>
        <source>Config dtype</source>
        <translation>配置数据类型</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Size on disk</source>
        <translation>磁盘占用</translation>
    </message>
    <message>
        <source>Bytes per dtype</source>
        <translation>各数据类型字节数</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>分词器</translation>
    </message>
    <message>
        <source>%1 B</source>
        <comment>billions of parameters</comment>
        <translation>%1 B</translation>
    </message>
    <message>
        <source>%1 M</source>
        <comment>millions of parameters</comment>
        <translation>%1 M</translation>
    </message>
    <message>
        <source>%1 K</source>
        <comment>thousands of parameters</comment>
        <translation>%1 K</translation>
    </message>
    <message>
        <source>No model open</source>
        <translation>未打开模型</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message numerus="yes">
        <source>%1 in %n file(s)</source>
        <translation>
            <numerusform>%1，共 %n 个文件</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>missing (text generation needs tokenizer.json)</source>
        <translation>缺失（文本生成需要 tokenizer.json）</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>嵌入</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>注意力</translation>
    </message>
    <message>
        <source>MLP</source>
        <translation>MLP</translation>
    </message>
    <message>
        <source>Norms</source>
        <translation>归一化</translation>
    </message>
    <message>
        <source>LM head</source>
        <translation>LM 头</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Share of parameters</source>
        <translation>参数占比</translation>
    </message>
    <message>
        <source>% of parameters</source>
        <translation>参数百分比</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ModelTreeWidget</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>DType</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>字节</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <source>model (%1)</source>
        <translation>模型（%1）</translation>
    </message>
</context>
<context>
    <name>slim::widgets::PdfReport</name>
    <message>
        <source>Slimbench report — page %1</source>
        <translation>Slimbench 报告 — 第 %1 页</translation>
    </message>
    <message>
        <source>%1: the folder does not exist</source>
        <translation>%1：文件夹不存在</translation>
    </message>
    <message>
        <source>%1 could not be written</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <source>Generated %1 from %2: %3 result record(s), %4 variant(s).</source>
        <translation>生成于 %1，来源 %2：%3 条结果记录，%4 个变体。</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>no original checkpoint among the variants</source>
        <translation>变体中没有原始检查点</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>机器</translation>
    </message>
    <message>
        <source>Library versions</source>
        <translation>库版本</translation>
    </message>
    <message>
        <source>Pipeline runs</source>
        <translation>流水线运行</translation>
    </message>
    <message>
        <source>records not written by a pipeline run</source>
        <translation>记录并非由流水线运行写入</translation>
    </message>
    <message>
        <source>Pipeline %1</source>
        <translation>流水线 %1</translation>
    </message>
    <message>
        <source>Run %1; nodes that finished are drawn green.</source>
        <translation>运行 %1；已完成的节点以绿色绘制。</translation>
    </message>
    <message>
        <source>The pipeline could not be drawn: %1</source>
        <translation>无法绘制流水线：%1</translation>
    </message>
    <message>
        <source>Node settings</source>
        <translation>节点设置</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Variants</source>
        <translation>变体</translation>
    </message>
    <message>
        <source> (base)</source>
        <translation>（基线）</translation>
    </message>
    <message>
        <source>not available</source>
        <translation>不可用</translation>
    </message>
    <message>
        <source>not available: %1</source>
        <translation>不可用：%1</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>所做操作</translation>
    </message>
    <message>
        <source>Stored weights</source>
        <translation>存储的权重</translation>
    </message>
    <message>
        <source>Peak memory</source>
        <translation>峰值内存</translation>
    </message>
    <message>
        <source>Decode tok/s (batch 1)</source>
        <translation>解码 词元/秒（批大小 1）</translation>
    </message>
    <message>
        <source>Energy J/token</source>
        <translation>能耗 J/词元</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>%1 — convention %2, device %3</source>
        <translation>%1 — 约定 %2，设备 %3</translation>
    </message>
    <message>
        <source>Settings: %1</source>
        <translation>设置：%1</translation>
    </message>
    <message>
        <source>%1 vs base</source>
        <translation>%1 相对基线</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>图表</translation>
    </message>
    <message>
        <source>Pareto front (no variant is better on both axes): %1</source>
        <translation>帕累托前沿（没有变体在两个轴上都更好）：%1</translation>
    </message>
    <message>
        <source>Left out of this chart: %1</source>
        <translation>此图表中略去：%1</translation>
    </message>
    <message>
        <source>Layer similarity of the base model</source>
        <translation>基线模型的层相似度</translation>
    </message>
    <message>
        <source>Angular distance between the input of layer i and of layer i + n (PruneMe / Gromov et al. 2024): the darker a cell, the less the block of n layers changes its input, the better a candidate for removal. From %1.</source>
        <translation>第 i 层与第 i + n 层输入之间的角距离（PruneMe / Gromov 等，2024）：单元格越深，这 n 层组成的块对输入的改变越小，越适合移除。来自 %1。</translation>
    </message>
    <message>
        <source>No finished Analyse node on the base model in the selected runs: add one to the pipeline to include the heatmap.</source>
        <translation>所选运行中没有针对基线模型的已完成分析节点：在流水线中添加一个以包含热力图。</translation>
    </message>
    <message>
        <source>What the metrics mean</source>
        <translation>各指标的含义</translation>
    </message>
    <message>
        <source>Stored weights: bytes of the weight tensors in the model folder as saved (packed integers at their packed size). Peak memory: the highest memory in use while generating or evaluating, as the device reports it. Values are value ± standard error where the task has one. &quot;Not available&quot; means not measured, never zero. Each table and chart holds numbers of one task, convention, device and setting only.</source>
        <translation>存储的权重：模型文件夹中权重张量保存时的字节数（打包整数按打包后大小计）。峰值内存：生成或评估时设备报告的最高内存占用。任务有标准误差时，数值以“值 ± 标准误差”表示。“不可用”表示未测量，绝不是零。每个表格和图表只包含同一任务、约定、设备和设置的数值。</translation>
    </message>
    <message>
        <source>Records left out</source>
        <translation>略去的记录</translation>
    </message>
    <message>
        <source>Energy per token: not available for any variant (%1), so there is no energy chart.</source>
        <translation>每词元能耗：所有变体均不可用（%1），因此没有能耗图表。</translation>
    </message>
    <message>
        <source>not measured</source>
        <translation>未测量</translation>
    </message>
</context>
<context>
    <name>slim::widgets::PipelineEditor</name>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Run finished: every node is done</source>
        <translation>运行结束：所有节点均已完成</translation>
    </message>
    <message>
        <source>Run cancelled</source>
        <translation>运行已取消</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新建</translation>
    </message>
    <message>
        <source>Start an empty pipeline</source>
        <translation>新建空流水线</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Open a pipeline file</source>
        <translation>打开流水线文件</translation>
    </message>
    <message>
        <source>Open pipeline</source>
        <translation>打开流水线</translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation>流水线 (*.json)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save the pipeline</source>
        <translation>保存流水线</translation>
    </message>
    <message>
        <source>Save pipeline</source>
        <translation>保存流水线</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save the pipeline under another name</source>
        <translation>以其他名称保存流水线</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the selected nodes</source>
        <translation>复制所选节点</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <source>Paste nodes</source>
        <translation>粘贴节点</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete the selected nodes and their links</source>
        <translation>删除所选节点及其连接</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应窗口</translation>
    </message>
    <message>
        <source>Show the whole graph</source>
        <translation>显示整个图</translation>
    </message>
    <message>
        <source>Auto-layout</source>
        <translation>自动布局</translation>
    </message>
    <message>
        <source>Arrange the nodes in columns by their order</source>
        <translation>按顺序将节点排成列</translation>
    </message>
    <message>
        <source>Where the run computes</source>
        <translation>运行所用的设备</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Run the pipeline: finished nodes are reused</source>
        <translation>运行流水线：已完成的节点会被复用</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the run (finished nodes stay)</source>
        <translation>停止运行（已完成的节点保留）</translation>
    </message>
    <message>
        <source>Search node types</source>
        <translation>搜索节点类型</translation>
    </message>
    <message>
        <source>Select a node to edit its parameters.</source>
        <translation>选择一个节点以编辑其参数。</translation>
    </message>
    <message numerus="yes">
        <source>%n nodes selected</source>
        <translation>
            <numerusform>已选择 %n 个节点</numerusform>
        </translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必填</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose a file or folder</source>
        <translation>选择文件或文件夹</translation>
    </message>
    <message>
        <source>Choose a file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <source>Or choose a folder</source>
        <translation>或选择文件夹</translation>
    </message>
    <message>
        <source>untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>Unsaved pipeline</source>
        <translation>未保存的流水线</translation>
    </message>
    <message>
        <source>Save the changes to %1?</source>
        <translation>保存对 %1 的更改？</translation>
    </message>
    <message>
        <source>the pipeline</source>
        <translation>流水线</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>The clipboard holds no pipeline nodes</source>
        <translation>剪贴板中没有流水线节点</translation>
    </message>
    <message>
        <source>Cannot run: %1</source>
        <translation>无法运行：%1</translation>
    </message>
    <message>
        <source>Running %1 on %2…</source>
        <translation>正在 %2 上运行 %1…</translation>
    </message>
    <message>
        <source>%1: layers to remove set to %2</source>
        <translation>%1：要移除的层设为 %2</translation>
    </message>
    <message>
        <source>Added %1 removing layers %2: connect its model input</source>
        <translation>已添加 %1（移除层 %2）：请连接其模型输入</translation>
    </message>
    <message>
        <source>Result of %1</source>
        <translation>%1 的结果</translation>
    </message>
    <message>
        <source>task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Layers to drop: %1</source>
        <translation>要移除的层：%1</translation>
    </message>
</context>
<context>
    <name>slim::widgets::PipelineScene</name>
    <message>
        <source>Unknown node type &apos;%1&apos;</source>
        <translation>未知的节点类型“%1”</translation>
    </message>
    <message>
        <source>Add %1</source>
        <translation>添加 %1</translation>
    </message>
    <message>
        <source>Cannot connect %1 → %2: %3</source>
        <translation>无法连接 %1 → %2：%3</translation>
    </message>
    <message>
        <source>Connect %1 → %2</source>
        <translation>连接 %1 → %2</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n node(s)</source>
        <translation>
            <numerusform>删除 %n 个节点</numerusform>
        </translation>
    </message>
    <message>
        <source>Set %1.%2</source>
        <translation>设置 %1.%2</translation>
    </message>
    <message>
        <source>Move %1</source>
        <translation>移动 %1</translation>
    </message>
    <message>
        <source>Auto-layout</source>
        <translation>自动布局</translation>
    </message>
    <message>
        <source>Connect an output (right) to an input (left)</source>
        <translation>请将输出（右侧）连接到输入（左侧）</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ResultTableModel</name>
    <message>
        <source>not available</source>
        <translation>不可用</translation>
    </message>
    <message>
        <source>%1 (base)</source>
        <translation>%1（基线）</translation>
    </message>
    <message>
        <source>%1
folder: %2
fingerprint: %3</source>
        <translation>%1
文件夹：%2
指纹：%3</translation>
    </message>
    <message>
        <source>record #%1</source>
        <translation>记录 #%1</translation>
    </message>
    <message>
        <source>
%1 % vs the base</source>
        <translation>
相对基线 %1 %</translation>
    </message>
    <message>
        <source>%1
settings: %2
%3 is better</source>
        <translation>%1
设置：%2
%3 更好</translation>
    </message>
    <message>
        <source>lower</source>
        <translation>更低</translation>
    </message>
    <message>
        <source>higher</source>
        <translation>更高</translation>
    </message>
    <message>
        <source>neither</source>
        <translation>都不是</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>变体</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>所做操作</translation>
    </message>
    <message>
        <source>Stored weights</source>
        <translation>存储的权重</translation>
    </message>
    <message>
        <source>Peak memory</source>
        <translation>峰值内存</translation>
    </message>
    <message>
        <source>Decode tok/s</source>
        <translation>解码 词元/秒</translation>
    </message>
    <message>
        <source>J/token</source>
        <translation>J/词元</translation>
    </message>
</context>
<context>
    <name>slim::widgets::SimilarityHeatmap</name>
    <message>
        <source>Block distance d(ℓ, n)</source>
        <translation>块距离 d(ℓ, n)</translation>
    </message>
    <message>
        <source>Angular distance matrix</source>
        <translation>角距离矩阵</translation>
    </message>
    <message>
        <source>d(ℓ, n) = arccos(cos(x_ℓ, x_ℓ+n)) / π: how much a block of n layers starting at ℓ changes the hidden state (PruneMe / Gromov et al.). Low = candidate for removal.</source>
        <translation>d(ℓ, n) = arccos(cos(x_ℓ, x_ℓ+n)) / π：从第 ℓ 层开始的 n 层块对隐藏状态的改变程度（PruneMe / Gromov 等）。值低 = 可移除的候选。</translation>
    </message>
    <message>
        <source>Click a cell to choose layers to drop.</source>
        <translation>点击单元格以选择要移除的层。</translation>
    </message>
    <message>
        <source>layer (0-based)</source>
        <translation>层（从 0 开始）</translation>
    </message>
    <message>
        <source>block influence</source>
        <translation>块影响</translation>
    </message>
    <message>
        <source>ShortGPT Block Influence: mean 1 − cos(h_i, h_i+1) over all tokens; the lowest layers are removal candidates.</source>
        <translation>ShortGPT 块影响：所有词元上 1 − cos(h_i, h_i+1) 的平均值；最低的层是移除候选。</translation>
    </message>
    <message>
        <source>Recommended: drop layers %1 (d = %2). Click a cell to choose another block.</source>
        <translation>推荐：移除第 %1 层（d = %2）。点击单元格以选择其他块。</translation>
    </message>
    <message>
        <source>first dropped layer ℓ (0-based)</source>
        <translation>第一个移除的层 ℓ（从 0 开始）</translation>
    </message>
    <message>
        <source>block size n</source>
        <translation>块大小 n</translation>
    </message>
    <message>
        <source>d(ℓ, n)</source>
        <translation>d(ℓ, n)</translation>
    </message>
    <message>
        <source>hidden state i (input of layer i; %1 = last output)</source>
        <translation>隐藏状态 i（第 i 层的输入；%1 = 最后输出）</translation>
    </message>
    <message>
        <source>hidden state j</source>
        <translation>隐藏状态 j</translation>
    </message>
    <message>
        <source>angular distance</source>
        <translation>角距离</translation>
    </message>
    <message>
        <source>layers %1–%2 (n = %3): d = %4</source>
        <translation>第 %1–%2 层（n = %3）：d = %4</translation>
    </message>
    <message>
        <source>states %1 and %2: angular distance %3</source>
        <translation>状态 %1 与 %2：角距离 %3</translation>
    </message>
    <message>
        <source>Selected: drop layers %1 (d = %2)</source>
        <translation>已选择：移除第 %1 层（d = %2）</translation>
    </message>
    <message>
        <source>No layer analysis yet.

Choose a calibration text and press “Analyse layers”: the heatmap then shows, for every block of n layers starting at layer ℓ, how much it changes the hidden state. Dark cells are blocks that can be removed.</source>
        <translation>尚未进行层分析。

请选择校准文本并点击“分析层”：热图将显示从第 ℓ 层开始的每个 n 层块对隐藏状态的改变程度。深色单元格表示可以移除的块。</translation>
    </message>
</context>
<context>
    <name>slim::widgets::SimilarityPanel</name>
    <message>
        <source>a text file (e.g. WikiText-2 wiki.test.raw)</source>
        <translation>文本文件（例如 WikiText-2 wiki.test.raw）</translation>
    </message>
    <message>
        <source>Choose the calibration text</source>
        <translation>选择校准文本</translation>
    </message>
    <message>
        <source>Calibration text</source>
        <translation>校准文本</translation>
    </message>
    <message>
        <source>Calibration text:</source>
        <translation>校准文本：</translation>
    </message>
    <message>
        <source>Number of token windows drawn from the text (PruneMe uses all of its dataset).</source>
        <translation>从文本中抽取的词元窗口数（PruneMe 使用其整个数据集）。</translation>
    </message>
    <message>
        <source>Tokens per window.</source>
        <translation>每个窗口的词元数。</translation>
    </message>
    <message>
        <source>windows of</source>
        <translation>个窗口，每个</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation>样本：</translation>
    </message>
    <message>
        <source>&amp;Analyse layers</source>
        <translation>分析层(&amp;A)</translation>
    </message>
    <message>
        <source>Compute the layer-similarity heatmap (runs slimbench-cli analyze in the background)</source>
        <translation>计算层相似度热图（在后台运行 slimbench-cli analyze）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Choose a calibration text file first.</source>
        <translation>请先选择校准文本文件。</translation>
    </message>
    <message>
        <source>Analysing…</source>
        <translation>正在分析…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>The analysis returned no similarity result.</source>
        <translation>分析未返回相似度结果。</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>&amp;Remove layers…</source>
        <translation>移除层(&amp;R)…</translation>
    </message>
    <message>
        <source>Write a copy of the model without the selected block of layers (or the recommended one) — slimbench-cli prune depth, in the background</source>
        <translation>写出不含所选层块（或推荐层块）的模型副本——在后台运行 slimbench-cli prune depth</translation>
    </message>
    <message>
        <source>Wrote the pruned model to %1</source>
        <translation>已将剪枝后的模型写入 %1</translation>
    </message>
    <message>
        <source>&amp;Remove layers %1…</source>
        <translation>移除层 %1(&amp;R)…</translation>
    </message>
    <message>
        <source>Folder for the pruned model</source>
        <translation>剪枝后模型的文件夹</translation>
    </message>
    <message>
        <source>Removing layers %1…</source>
        <translation>正在移除层 %1…</translation>
    </message>
    <message>
        <source>%1 windows of %2 tokens</source>
        <translation>%1 个窗口，每个 %2 个词元</translation>
    </message>
    <message>
        <source>%1 layers, %2, token selection: %3</source>
        <translation>%1 层，%2，词元选择：%3</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
</context>
</TS>
