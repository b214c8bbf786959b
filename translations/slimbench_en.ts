<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ModelOverview</name>
    <message>
        <source>scalar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tied to embed_tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>other tensors</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>State: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Slimbench: a workbench for compressing large language models.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A checkpoint folder to open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the built-in demo model, creating it first if needed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A pipeline file to open in the pipeline editor (with --demo: the example prune-lora-quantize.json by default).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the PDF report of a result database and exit.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The result database (with --report-pdf).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only this pipeline run (id or name); repeatable.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only models whose folder name contains NAME.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The variant changes are relative to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a4 (default) or letter.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A result database to open in the comparison view.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only this quality task.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::app::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Recent Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open Model Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a Hugging Face checkpoint folder (config.json and *.safetensors)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Demo Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open the small built-in demo model, creating it first if needed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About Slimbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Main Toolbar</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No recent models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not open the model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The folder %1 could not be opened as a model.

%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Opened %1 (%2, %n layer(s))</source>
        <translation>
            <numerusform>Opened %1 (%2, %n layer)</numerusform>
            <numerusform>Opened %1 (%2, %n layers)</numerusform>
        </translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2 parameters · %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Model Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Create the Demo Model?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The demo model has not been created yet.

Slimbench can train it now on this computer: a small Llama-style model, which takes a few minutes. It will be stored in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>slimbench-cli, which creates the demo model, was not found. Looked in:
%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not create the demo model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the demo model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling the demo model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running %1 %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The demo model was created.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>slimbench-cli finished, but no complete demo model is in %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the demo model was cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Creating the demo model failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings saved. A new language takes effect after a restart.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About Slimbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer block selected for depth pruning: layers %1–%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer Similarity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare with model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weight Distributions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Analysis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analyse &amp;Layer Similarity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute the layer-similarity heatmap of the open model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measure &amp;Activations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Record the per-channel magnitudes of every projection input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weight &amp;Distributions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show histograms and statistics of the weights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Compare Weights With…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overlay the weight distributions of a second model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Depth-pruned model written to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipeline node %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Pipeline…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a pipeline file (slimbench-pipeline JSON) in the pipeline editor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pipeline node %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Results…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a result database (results.sqlite) in the comparison view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export Report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the comparison of the variants as a PDF (or Markdown) report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs run with %1; this window with %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Will It Fit?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;Slimbench %1&lt;/h3&gt;&lt;p&gt;A desktop workbench for compressing large language models: load a checkpoint, analyse it, prune, recover, quantize, evaluate and export.&lt;/p&gt;&lt;p&gt;Built with Qt %2 and QCustomPlot; this window: %3.&lt;/p&gt;&lt;p&gt;Jobs (slimbench-cli): %4&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::app::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A new language takes effect when Slimbench is started again.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where analyses, generation and pipeline runs compute unless a job says otherwise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default &amp;device:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::app::WelcomePage</name>
    <message>
        <source>Slimbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A workbench for making large language models smaller: inspect, prune, quantize, recover and evaluate.
Open a Hugging Face checkpoint folder (config.json and *.safetensors) or start with the small built-in demo model.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Model Folder…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open Demo Model</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::ActivationPanel</name>
    <message>
        <source>Calibration text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration text:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>a text file (e.g. WikiText-2 wiki.test.raw)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number of token windows drawn from the text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens per window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Outlier threshold:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A channel is an outlier when some |x| exceeds this (LLM.int8 uses 6.0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Measure activations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the calibration text through the model and record every projection&apos;s input (runs slimbench-cli analyze in the background)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Input of:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mean |x| (AWQ)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>‖x‖₂ (Wanda)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>max |x|</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Per-channel magnitude over the calibration tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Channel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens above</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mean |x|</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a calibration text file first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measuring activations…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The analysis returned no activation statistics.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activation statistics failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 tokens in %2 windows, %3 on %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Activation statistics of %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>layer %1 · %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>input channel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Press “Measure activations” to record the inputs of every projection.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 channels over %2 tokens; max |x| %3; %n outlier channel(s) above %4</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>channel %1: %2 = %3%4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (outlier)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No activations measured yet</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::ComparisonCharts</name>
    <message>
        <source>lower is better</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: no %2 value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No measured metric to chart</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: no change vs the base (base value missing or 0)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: change vs %2 (%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Change of %1 vs the base — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stored weights (MB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>stored size not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 vs stored weights — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>decode tokens/s, batch 1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>decode speed not measured (an Evaluate node with speed on, or slimbench-cli bench --db)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 vs decode speed — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — speeds measured on different devices: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: no %2 in its steps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 vs %2 — %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: choose a .svg, .png or .pdf file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be written</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>metrics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>peak memory (MB)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>peak memory not measured</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 vs peak memory — %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — peaks measured differently: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>energy (J/token)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>energy not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 vs energy per token — %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::ComparisonView</name>
    <message>
        <source>Open a result database (results.sqlite)…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reread the database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>folder name contains…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>± standard error</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the table&apos;s columns</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chart:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Metric:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>% vs base</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bars show the change relative to the base variant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export chart…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the chart as SVG (vector) or PNG</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export report…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write the report of the selection as PDF (charts as vector graphics) or Markdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bars per variant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quality vs speed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Metric vs setting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No result database open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>all records</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open result database</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result databases (*.sqlite *.db);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Comparison: %1 variant(s), %2 record(s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No compression setting varies over these variants (bits, sparsity, layers removed, group, LoRA rank).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left out: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SVG (*.svg);;PNG (*.png)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Chart written to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a result database first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PDF (*.pdf);;Markdown (*.md)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report written to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>all tasks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quality vs stored size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quality vs peak memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quality vs energy</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::DeviceCatalog</name>
    <message>
        <source>slimbench-cli devices returned no result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> — %1 of %2 GiB free</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, compute %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LibTorch %1, %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>with CUDA</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU only</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not known yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LibTorch %1, %2: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no CUDA</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::DevicePicker</name>
    <message>
        <source>CUDA: not in this build (see README, CUDA build)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the job runs (slimbench-cli --device)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>auto</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute dtype (auto: the checkpoint&apos;s 16-bit dtype on a GPU; on the CPU bf16 for a bf16 checkpoint if the CPU has AVX-512, else fp32)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::DistributionPanel</name>
    <message>
        <source>Compare with model folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One kind across layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One layer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One tensor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Histogram of all tensors of a kind over every layer (e.g. all down_proj), of one layer&apos;s projection matrices, or of a single tensor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bins:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log counts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Draw counts on a logarithmic scale: shows the tails and outliers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Range:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Histogram over a chosen range instead of each tensor&apos;s min..max; values outside are counted separately</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare with…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Overlay the same tensors of a second model (e.g. after compression)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop comparing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no comparison</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>compared with %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model to see its weight distributions.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The range needs low &lt; high.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Computing weight statistics…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weight statistics failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 tensors, %2 values in %3 s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weight statistics of %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 does not exist in %2 (pruned or renamed?)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Values</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Mean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Std (population)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Excess kurtosis</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Skewness</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Min</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max |w|</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Beyond %1σ</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exact zeros (sparsity)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>NaN / ±Inf</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::GenerationPanel</name>
    <message numerus="yes">
        <source>Prompt: %n token(s)</source>
        <translation>
            <numerusform>Prompt: %n token</numerusform>
            <numerusform>Prompt: %n tokens</numerusform>
        </translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generation failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generation cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Prompt:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max. new tokens:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Temperature:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>greedy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>0 = always take the most likely token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Top-p:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop at end of sequence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Output:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This model folder has no tokenizer.json.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load the model (first time) and generate text.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::GenerationSession</name>
    <message>
        <source>Loading tokenizer…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generating…</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n new token(s) in %1 s · prefill %2 tok/s · decode %3 tok/s</source>
        <translation>
            <numerusform>%n new token in %1 s · prefill %2 tok/s · decode %3 tok/s</numerusform>
            <numerusform>%n new tokens in %1 s · prefill %2 tok/s · decode %3 tok/s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>slim::widgets::HistogramPlot</name>
    <message>
        <source>density</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>count</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: [%2, %3) %4 values (%5 %)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, density %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::Job</name>
    <message>
        <source>Could not start %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 crashed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 exited with code %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>slimbench-cli was not found. Looked in:
%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Out of memory.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown error.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::MemoryEstimateView</name>
    <message>
        <source>No estimate: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Context / sequence length:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New tokens:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Batch (0 = automatic):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration samples:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer-wise offload (one layer on the device)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>generate, eval(uate perplexity), LoRA / QLoRA / distillation training, or a quantization / pruning method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a model to see whether a job fits.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>total</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> free: %1 GiB</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fits: %1 GiB of %2 GiB free.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Does not fit: %1 GiB needed, %2 GiB free.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Needs about %1 GiB (free memory unknown).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>It would fit with %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No smaller setting tried fits: choose a device with more memory or a smaller model.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::ModelSummaryWidget</name>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hidden size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MLP size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heads / KV heads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Head dim</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Max. positions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>RoPE theta</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tied embeddings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Config dtype</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Size on disk</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bytes per dtype</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 B</source>
        <comment>billions of parameters</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 M</source>
        <comment>millions of parameters</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 K</source>
        <comment>thousands of parameters</comment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No model open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>yes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 in %n file(s)</source>
        <translation>
            <numerusform>%1 in %n file</numerusform>
            <numerusform>%1 in %n files</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>missing (text generation needs tokenizer.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attention</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MLP</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Norms</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LM head</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Other</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Share of parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>% of parameters</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::ModelTreeWidget</name>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Shape</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>DType</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>model (%1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::PdfReport</name>
    <message>
        <source>Slimbench report — page %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: the folder does not exist</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 could not be written</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generated %1 from %2: %3 result record(s), %4 variant(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no original checkpoint among the variants</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Machines</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Library versions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipeline runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>records not written by a pipeline run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipeline %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run %1; nodes that finished are drawn green.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The pipeline could not be drawn: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Node</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Variants</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (base)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not available: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Variant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What was done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stored weights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peak memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decode tok/s (batch 1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Energy J/token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — convention %2, device %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 vs base</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Charts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pareto front (no variant is better on both axes): %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left out of this chart: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layer similarity of the base model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Angular distance between the input of layer i and of layer i + n (PruneMe / Gromov et al. 2024): the darker a cell, the less the block of n layers changes its input, the better a candidate for removal. From %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No finished Analyse node on the base model in the selected runs: add one to the pipeline to include the heatmap.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the metrics mean</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stored weights: bytes of the weight tensors in the model folder as saved (packed integers at their packed size). Peak memory: the highest memory in use while generating or evaluating, as the device reports it. Values are value ± standard error where the task has one. &quot;Not available&quot; means not measured, never zero. Each table and chart holds numbers of one task, convention, device and setting only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Records left out</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Energy per token: not available for any variant (%1), so there is no energy chart.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>not measured</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::PipelineEditor</name>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run finished: every node is done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>New</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start an empty pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a pipeline file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the pipeline under another name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Undo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redo</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the selected nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the selected nodes and their links</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the whole graph</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto-layout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Arrange the nodes in columns by their order</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Where the run computes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run the pipeline: finished nodes are reused</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the run (finished nodes stay)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search node types</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a node to edit its parameters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n nodes selected</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>required</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a file or folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Or choose a folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>untitled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unsaved pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the changes to %1?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the pipeline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The clipboard holds no pipeline nodes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot run: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running %1 on %2…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: layers to remove set to %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Added %1 removing layers %2: connect its model input</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Result of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Layers to drop: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::PipelineScene</name>
    <message>
        <source>Unknown node type &apos;%1&apos;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot connect %1 → %2: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect %1 → %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Delete %n node(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Set %1.%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Move %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto-layout</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect an output (right) to an input (left)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::ResultTableModel</name>
    <message>
        <source>not available</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (base)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1
folder: %2
fingerprint: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>record #%1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>
%1 % vs the base</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1
settings: %2
%3 is better</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lower</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>higher</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>neither</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Variant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What was done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stored weights</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Peak memory</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decode tok/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>J/token</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::SimilarityHeatmap</name>
    <message>
        <source>Block distance d(ℓ, n)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Angular distance matrix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>d(ℓ, n) = arccos(cos(x_ℓ, x_ℓ+n)) / π: how much a block of n layers starting at ℓ changes the hidden state (PruneMe / Gromov et al.). Low = candidate for removal.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Click a cell to choose layers to drop.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>layer (0-based)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>block influence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ShortGPT Block Influence: mean 1 − cos(h_i, h_i+1) over all tokens; the lowest layers are removal candidates.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recommended: drop layers %1 (d = %2). Click a cell to choose another block.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>first dropped layer ℓ (0-based)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>block size n</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>d(ℓ, n)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hidden state i (input of layer i; %1 = last output)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>hidden state j</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>angular distance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>layers %1–%2 (n = %3): d = %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>states %1 and %2: angular distance %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Selected: drop layers %1 (d = %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No layer analysis yet.

Choose a calibration text and press “Analyse layers”: the heatmap then shows, for every block of n layers starting at layer ℓ, how much it changes the hidden state. Dark cells are blocks that can be removed.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>slim::widgets::SimilarityPanel</name>
    <message>
        <source>a text file (e.g. WikiText-2 wiki.test.raw)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the calibration text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration text</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calibration text:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Number of token windows drawn from the text (PruneMe uses all of its dataset).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens per window.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>windows of</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Analyse layers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute the layer-similarity heatmap (runs slimbench-cli analyze in the background)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a calibration text file first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Analysing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The analysis returned no similarity result.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove layers…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write a copy of the model without the selected block of layers (or the recommended one) — slimbench-cli prune depth, in the background</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrote the pruned model to %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Remove layers %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for the pruned model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removing layers %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 windows of %2 tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 layers, %2, token selection: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
