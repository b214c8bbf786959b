<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ModelOverview</name>
    <message>
        <source>scalar</source>
        <translation>Skalar</translation>
    </message>
    <message>
        <source>tied to embed_tokens</source>
        <translation>mit embed_tokens geteilt</translation>
    </message>
    <message>
        <source>other tensors</source>
        <translation>weitere Tensoren</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>State: %1</source>
        <translation>Zustand: %1</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Slimbench: a workbench for compressing large language models.</source>
        <translation>Slimbench: eine Werkbank zum Komprimieren großer Sprachmodelle.</translation>
    </message>
    <message>
        <source>A checkpoint folder to open.</source>
        <translation>Ein zu öffnender Checkpoint-Ordner.</translation>
    </message>
    <message>
        <source>Open the built-in demo model, creating it first if needed.</source>
        <translation>Das eingebaute Demo-Modell öffnen und es bei Bedarf zuerst erstellen.</translation>
    </message>
    <message>
        <source>A pipeline file to open in the pipeline editor (with --demo: the example prune-lora-quantize.json by default).</source>
        <translation>Eine Pipeline-Datei, die im Pipeline-Editor geöffnet wird (mit --demo standardmäßig das Beispiel prune-lora-quantize.json).</translation>
    </message>
    <message>
        <source>Write the PDF report of a result database and exit.</source>
        <translation>Den PDF-Bericht einer Ergebnisdatenbank schreiben und beenden.</translation>
    </message>
    <message>
        <source>The result database (with --report-pdf).</source>
        <translation>Die Ergebnisdatenbank (mit --report-pdf).</translation>
    </message>
    <message>
        <source>Only this pipeline run (id or name); repeatable.</source>
        <translation>Nur dieser Pipeline-Lauf (ID oder Name); mehrfach möglich.</translation>
    </message>
    <message>
        <source>Only models whose folder name contains NAME.</source>
        <translation>Nur Modelle, deren Ordnername NAME enthält.</translation>
    </message>
    <message>
        <source>The variant changes are relative to.</source>
        <translation>Die Variante, auf die sich Änderungen beziehen.</translation>
    </message>
    <message>
        <source>a4 (default) or letter.</source>
        <translation>a4 (Standard) oder letter.</translation>
    </message>
    <message>
        <source>A result database to open in the comparison view.</source>
        <translation>Eine Ergebnisdatenbank, die in der Vergleichsansicht geöffnet wird.</translation>
    </message>
    <message>
        <source>Only this quality task.</source>
        <translation>Nur diese Qualitätsaufgabe.</translation>
    </message>
</context>
<context>
    <name>slim::app::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Recent Models</source>
        <translation>&amp;Zuletzt geöffnete Modelle</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;Open Model Folder…</source>
        <translation>Modellordner ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Open a Hugging Face checkpoint folder (config.json and *.safetensors)</source>
        <translation>Einen Hugging-Face-Checkpoint-Ordner öffnen (config.json und *.safetensors)</translation>
    </message>
    <message>
        <source>Open &amp;Demo Model</source>
        <translation>&amp;Demo-Modell öffnen</translation>
    </message>
    <message>
        <source>Open the small built-in demo model, creating it first if needed</source>
        <translation>Das kleine eingebaute Demo-Modell öffnen und es bei Bedarf zuerst erstellen</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>Menü &amp;leeren</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;About Slimbench</source>
        <translation>Ü&amp;ber Slimbench</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <source>Main Toolbar</source>
        <translation>Hauptwerkzeugleiste</translation>
    </message>
    <message>
        <source>Model Summary</source>
        <translation>Modellübersicht</translation>
    </message>
    <message>
        <source>Generation</source>
        <translation>Textgenerierung</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>No recent models</source>
        <translation>Keine zuletzt geöffneten Modelle</translation>
    </message>
    <message>
        <source>Unknown error</source>
        <translation>Unbekannter Fehler</translation>
    </message>
    <message>
        <source>Could not open %1: %2</source>
        <translation>%1 konnte nicht geöffnet werden: %2</translation>
    </message>
    <message>
        <source>Could not open %1</source>
        <translation>%1 konnte nicht geöffnet werden</translation>
    </message>
    <message>
        <source>Could not open the model</source>
        <translation>Das Modell konnte nicht geöffnet werden</translation>
    </message>
    <message>
        <source>The folder %1 could not be opened as a model.

%2</source>
        <translation>Der Ordner %1 konnte nicht als Modell geöffnet werden.

%2</translation>
    </message>
    <message numerus="yes">
        <source>Opened %1 (%2, %n layer(s))</source>
        <translation>
            <numerusform>%1 geöffnet (%2, %n Schicht)</numerusform>
            <numerusform>%1 geöffnet (%2, %n Schichten)</numerusform>
        </translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>%1 geöffnet</translation>
    </message>
    <message>
        <source>No model open</source>
        <translation>Kein Modell geöffnet</translation>
    </message>
    <message>
        <source>%1 · %2 parameters · %3</source>
        <translation>%1 · %2 Parameter · %3</translation>
    </message>
    <message>
        <source>Open Model Folder</source>
        <translation>Modellordner öffnen</translation>
    </message>
    <message>
        <source>Create the Demo Model?</source>
        <translation>Demo-Modell erstellen?</translation>
    </message>
    <message>
        <source>The demo model has not been created yet.

Slimbench can train it now on this computer: a small Llama-style model, which takes a few minutes. It will be stored in %1.</source>
        <translation>Das Demo-Modell wurde noch nicht erstellt.

Slimbench kann es jetzt auf diesem Computer trainieren: ein kleines Modell im Stil von Llama, was einige Minuten dauert. Es wird in %1 gespeichert.</translation>
    </message>
    <message>
        <source>slimbench-cli, which creates the demo model, was not found. Looked in:
%1</source>
        <translation>slimbench-cli, das das Demo-Modell erstellt, wurde nicht gefunden. Gesucht in:
%1</translation>
    </message>
    <message>
        <source>Could not create the demo model</source>
        <translation>Das Demo-Modell konnte nicht erstellt werden</translation>
    </message>
    <message>
        <source>Creating the demo model…</source>
        <translation>Demo-Modell wird erstellt…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Demo Model</source>
        <translation>Demo-Modell</translation>
    </message>
    <message>
        <source>Cancelling the demo model…</source>
        <translation>Erstellung des Demo-Modells wird abgebrochen…</translation>
    </message>
    <message>
        <source>Running %1 %2</source>
        <translation>Starte %1 %2</translation>
    </message>
    <message>
        <source>The demo model was created.</source>
        <translation>Das Demo-Modell wurde erstellt.</translation>
    </message>
    <message>
        <source>slimbench-cli finished, but no complete demo model is in %1.</source>
        <translation>slimbench-cli ist fertig, aber in %1 liegt kein vollständiges Demo-Modell.</translation>
    </message>
    <message>
        <source>Creating the demo model was cancelled.</source>
        <translation>Die Erstellung des Demo-Modells wurde abgebrochen.</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>Creating the demo model failed: %1</source>
        <translation>Die Erstellung des Demo-Modells ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Settings saved. A new language takes effect after a restart.</source>
        <translation>Einstellungen gespeichert. Eine neue Sprache gilt nach einem Neustart.</translation>
    </message>
    <message>
        <source>About Slimbench</source>
        <translation>Über Slimbench</translation>
    </message>
    <message>
        <source>Layer block selected for depth pruning: layers %1–%2</source>
        <translation>Schichtblock für Tiefen-Pruning gewählt: Schichten %1–%2</translation>
    </message>
    <message>
        <source>Layer Similarity</source>
        <translation>Schichtähnlichkeit</translation>
    </message>
    <message>
        <source>Compare with model folder</source>
        <translation>Mit Modellordner vergleichen</translation>
    </message>
    <message>
        <source>Activations</source>
        <translation>Aktivierungen</translation>
    </message>
    <message>
        <source>Weight Distributions</source>
        <translation>Gewichtsverteilungen</translation>
    </message>
    <message>
        <source>&amp;Analysis</source>
        <translation>&amp;Analyse</translation>
    </message>
    <message>
        <source>Analyse &amp;Layer Similarity</source>
        <translation>&amp;Schichtähnlichkeit analysieren</translation>
    </message>
    <message>
        <source>Compute the layer-similarity heatmap of the open model</source>
        <translation>Die Schichtähnlichkeits-Heatmap des geöffneten Modells berechnen</translation>
    </message>
    <message>
        <source>Measure &amp;Activations</source>
        <translation>&amp;Aktivierungen messen</translation>
    </message>
    <message>
        <source>Record the per-channel magnitudes of every projection input</source>
        <translation>Die Beträge je Kanal am Eingang jeder Projektion aufzeichnen</translation>
    </message>
    <message>
        <source>Weight &amp;Distributions</source>
        <translation>&amp;Gewichtsverteilungen</translation>
    </message>
    <message>
        <source>Show histograms and statistics of the weights</source>
        <translation>Histogramme und Statistiken der Gewichte anzeigen</translation>
    </message>
    <message>
        <source>&amp;Compare Weights With…</source>
        <translation>Gewichte &amp;vergleichen mit…</translation>
    </message>
    <message>
        <source>Overlay the weight distributions of a second model</source>
        <translation>Die Gewichtsverteilungen eines zweiten Modells überlagern</translation>
    </message>
    <message>
        <source>Depth-pruned model written to %1</source>
        <translation>Tiefenreduziertes Modell nach %1 geschrieben</translation>
    </message>
    <message>
        <source>Open pipeline</source>
        <translation>Pipeline öffnen</translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation>Pipelines (*.json)</translation>
    </message>
    <message>
        <source>Pipeline node %1: %2</source>
        <translation>Pipeline-Knoten %1: %2</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>Pipeline</translation>
    </message>
    <message>
        <source>Open &amp;Pipeline…</source>
        <translation>&amp;Pipeline öffnen…</translation>
    </message>
    <message>
        <source>Open a pipeline file (slimbench-pipeline JSON) in the pipeline editor</source>
        <translation>Eine Pipeline-Datei (slimbench-pipeline-JSON) im Pipeline-Editor öffnen</translation>
    </message>
    <message>
        <source>pipeline node %1</source>
        <translation>Pipeline-Knoten %1</translation>
    </message>
    <message>
        <source>Open &amp;Results…</source>
        <translation>&amp;Ergebnisse öffnen…</translation>
    </message>
    <message>
        <source>Open a result database (results.sqlite) in the comparison view</source>
        <translation>Eine Ergebnisdatenbank (results.sqlite) in der Vergleichsansicht öffnen</translation>
    </message>
    <message>
        <source>&amp;Export Report…</source>
        <translation>Bericht &amp;exportieren…</translation>
    </message>
    <message>
        <source>Write the comparison of the variants as a PDF (or Markdown) report</source>
        <translation>Den Vergleich der Varianten als PDF- (oder Markdown-)Bericht schreiben</translation>
    </message>
    <message>
        <source>Comparison</source>
        <translation>Vergleich</translation>
    </message>
    <message>
        <source>Jobs run with %1; this window with %2</source>
        <translation>Jobs laufen mit %1; dieses Fenster mit %2</translation>
    </message>
    <message>
        <source>Will It Fit?</source>
        <translation>Passt es?</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Slimbench %1&lt;/h3&gt;&lt;p&gt;A desktop workbench for compressing large language models: load a checkpoint, analyse it, prune, recover, quantize, evaluate and export.&lt;/p&gt;&lt;p&gt;Built with Qt %2 and QCustomPlot; this window: %3.&lt;/p&gt;&lt;p&gt;Jobs (slimbench-cli): %4&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Slimbench %1&lt;/h3&gt;&lt;p&gt;Eine Werkbank zum Komprimieren großer Sprachmodelle: Checkpoint laden, analysieren, beschneiden, wiederherstellen, quantisieren, bewerten und exportieren.&lt;/p&gt;&lt;p&gt;Erstellt mit Qt %2 und QCustomPlot; dieses Fenster: %3.&lt;/p&gt;&lt;p&gt;Jobs (slimbench-cli): %4&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>slim::app::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Systemstandard</translation>
    </message>
    <message>
        <source>A new language takes effect when Slimbench is started again.</source>
        <translation>Eine neue Sprache gilt, sobald Slimbench neu gestartet wird.</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <source>Where analyses, generation and pipeline runs compute unless a job says otherwise</source>
        <translation>Wo Analysen, Generierung und Pipeline-Läufe rechnen, sofern ein Job nichts anderes angibt</translation>
    </message>
    <message>
        <source>Default &amp;device:</source>
        <translation>Standard&amp;gerät:</translation>
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
        <translation>Eine Werkbank, um große Sprachmodelle kleiner zu machen: untersuchen, beschneiden, quantisieren, nachtrainieren und bewerten.
Öffnen Sie einen Hugging-Face-Checkpoint-Ordner (config.json und *.safetensors) oder beginnen Sie mit dem kleinen eingebauten Demo-Modell.</translation>
    </message>
    <message>
        <source>Open Model Folder…</source>
        <translation>Modellordner öffnen…</translation>
    </message>
    <message>
        <source>Open Demo Model</source>
        <translation>Demo-Modell öffnen</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ActivationPanel</name>
    <message>
        <source>Calibration text</source>
        <translation>Kalibrierungstext</translation>
    </message>
    <message>
        <source>Calibration text:</source>
        <translation>Kalibrierungstext:</translation>
    </message>
    <message>
        <source>a text file (e.g. WikiText-2 wiki.test.raw)</source>
        <translation>eine Textdatei (z. B. WikiText-2 wiki.test.raw)</translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation>Stichproben:</translation>
    </message>
    <message>
        <source>Number of token windows drawn from the text</source>
        <translation>Anzahl der Token-Fenster aus dem Text</translation>
    </message>
    <message>
        <source>Tokens per window</source>
        <translation>Token pro Fenster</translation>
    </message>
    <message>
        <source>Outlier threshold:</source>
        <translation>Ausreißerschwelle:</translation>
    </message>
    <message>
        <source>A channel is an outlier when some |x| exceeds this (LLM.int8 uses 6.0)</source>
        <translation>Ein Kanal ist ein Ausreißer, wenn ein |x| diesen Wert übersteigt (LLM.int8 verwendet 6,0)</translation>
    </message>
    <message>
        <source>&amp;Measure activations</source>
        <translation>Aktivierungen &amp;messen</translation>
    </message>
    <message>
        <source>Run the calibration text through the model and record every projection&apos;s input (runs slimbench-cli analyze in the background)</source>
        <translation>Den Kalibrierungstext durch das Modell schicken und den Eingang jeder Projektion aufzeichnen (führt slimbench-cli analyze im Hintergrund aus)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Input of:</source>
        <translation>Eingang von:</translation>
    </message>
    <message>
        <source>mean |x| (AWQ)</source>
        <translation>Mittel |x| (AWQ)</translation>
    </message>
    <message>
        <source>‖x‖₂ (Wanda)</source>
        <translation>‖x‖₂ (Wanda)</translation>
    </message>
    <message>
        <source>max |x|</source>
        <translation>max |x|</translation>
    </message>
    <message>
        <source>Per-channel magnitude over the calibration tokens</source>
        <translation>Betrag je Kanal über die Kalibrierungs-Token</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>Log-Skala</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>Kanal</translation>
    </message>
    <message>
        <source>Tokens above</source>
        <translation>Token darüber</translation>
    </message>
    <message>
        <source>mean |x|</source>
        <translation>Mittel |x|</translation>
    </message>
    <message>
        <source>Choose a calibration text file first.</source>
        <translation>Wählen Sie zuerst eine Kalibrierungs-Textdatei.</translation>
    </message>
    <message>
        <source>Measuring activations…</source>
        <translation>Aktivierungen werden gemessen…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>The analysis returned no activation statistics.</source>
        <translation>Die Analyse lieferte keine Aktivierungsstatistik.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Activation statistics failed: %1</source>
        <translation>Aktivierungsstatistik fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>%1 tokens in %2 windows, %3 on %4</source>
        <translation>%1 Token in %2 Fenstern, %3 auf %4</translation>
    </message>
    <message>
        <source>Activation statistics of %1: %2</source>
        <translation>Aktivierungsstatistik von %1: %2</translation>
    </message>
    <message>
        <source>layer %1 · %2</source>
        <translation>Schicht %1 · %2</translation>
    </message>
    <message>
        <source>input channel</source>
        <translation>Eingangskanal</translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation>Öffnen Sie zuerst ein Modell.</translation>
    </message>
    <message>
        <source>Press “Measure activations” to record the inputs of every projection.</source>
        <translation>Klicken Sie auf „Aktivierungen messen“, um die Eingänge aller Projektionen aufzuzeichnen.</translation>
    </message>
    <message numerus="yes">
        <source>%1 channels over %2 tokens; max |x| %3; %n outlier channel(s) above %4</source>
        <translation>
            <numerusform>%1 Kanäle über %2 Token; max |x| %3; %n Ausreißerkanal über %4</numerusform>
            <numerusform>%1 Kanäle über %2 Token; max |x| %3; %n Ausreißerkanäle über %4</numerusform>
        </translation>
    </message>
    <message>
        <source>channel %1: %2 = %3%4</source>
        <translation>Kanal %1: %2 = %3%4</translation>
    </message>
    <message>
        <source> (outlier)</source>
        <translation> (Ausreißer)</translation>
    </message>
    <message>
        <source>No activations measured yet</source>
        <translation>Noch keine Aktivierungen gemessen</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ComparisonCharts</name>
    <message>
        <source>lower is better</source>
        <translation>niedriger ist besser</translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation>höher ist besser</translation>
    </message>
    <message>
        <source>%1: no %2 value</source>
        <translation>%1: kein Wert für %2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Pareto front</source>
        <translation>Pareto-Front</translation>
    </message>
    <message>
        <source>No measured metric to chart</source>
        <translation>Keine gemessene Kennzahl zum Darstellen</translation>
    </message>
    <message>
        <source>%1: no change vs the base (base value missing or 0)</source>
        <translation>%1: keine Änderung zur Basis (Basiswert fehlt oder ist 0)</translation>
    </message>
    <message>
        <source>%1: change vs %2 (%)</source>
        <translation>%1: Änderung gegenüber %2 (%)</translation>
    </message>
    <message>
        <source>Change of %1 vs the base — %2</source>
        <translation>Änderung von %1 gegenüber der Basis — %2</translation>
    </message>
    <message>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message>
        <source>stored weights (MB)</source>
        <translation>gespeicherte Gewichte (MB)</translation>
    </message>
    <message>
        <source>stored size not available</source>
        <translation>gespeicherte Größe nicht verfügbar</translation>
    </message>
    <message>
        <source>%1 vs stored weights — %2</source>
        <translation>%1 gegen gespeicherte Gewichte — %2</translation>
    </message>
    <message>
        <source>decode tokens/s, batch 1</source>
        <translation>Decode-Token/s, Batch 1</translation>
    </message>
    <message>
        <source>decode speed not measured (an Evaluate node with speed on, or slimbench-cli bench --db)</source>
        <translation>Decode-Geschwindigkeit nicht gemessen (ein Evaluate-Knoten mit speed an, oder slimbench-cli bench --db)</translation>
    </message>
    <message>
        <source>%1 vs decode speed — %2</source>
        <translation>%1 gegen Decode-Geschwindigkeit — %2</translation>
    </message>
    <message>
        <source> — speeds measured on different devices: %1</source>
        <translation> — Geschwindigkeiten auf verschiedenen Geräten gemessen: %1</translation>
    </message>
    <message>
        <source>%1: no %2 in its steps</source>
        <translation>%1: kein %2 in seinen Schritten</translation>
    </message>
    <message>
        <source>%1 vs %2 — %3</source>
        <translation>%1 gegen %2 — %3</translation>
    </message>
    <message>
        <source>%1: choose a .svg, .png or .pdf file</source>
        <translation>%1: eine .svg-, .png- oder .pdf-Datei wählen</translation>
    </message>
    <message>
        <source>%1 could not be written</source>
        <translation>%1 konnte nicht geschrieben werden</translation>
    </message>
    <message>
        <source>metrics</source>
        <translation>Kennzahlen</translation>
    </message>
    <message>
        <source>peak memory (MB)</source>
        <translation>Spitzenspeicher (MB)</translation>
    </message>
    <message>
        <source>peak memory not measured</source>
        <translation>Spitzenspeicher nicht gemessen</translation>
    </message>
    <message>
        <source>%1 vs peak memory — %2</source>
        <translation>%1 gegen Spitzenspeicher — %2</translation>
    </message>
    <message>
        <source> — peaks measured differently: %1</source>
        <translation> — Spitzen unterschiedlich gemessen: %1</translation>
    </message>
    <message>
        <source>energy (J/token)</source>
        <translation>Energie (J/Token)</translation>
    </message>
    <message>
        <source>energy not available</source>
        <translation>Energie nicht verfügbar</translation>
    </message>
    <message>
        <source>%1 vs energy per token — %2</source>
        <translation>%1 gegen Energie pro Token — %2</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ComparisonView</name>
    <message>
        <source>Open a result database (results.sqlite)…</source>
        <translation>Eine Ergebnisdatenbank (results.sqlite) öffnen…</translation>
    </message>
    <message>
        <source>Reread the database</source>
        <translation>Datenbank neu lesen</translation>
    </message>
    <message>
        <source>Run:</source>
        <translation>Lauf:</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>Modell:</translation>
    </message>
    <message>
        <source>folder name contains…</source>
        <translation>Ordnername enthält…</translation>
    </message>
    <message>
        <source>± standard error</source>
        <translation>± Standardfehler</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>Spalten</translation>
    </message>
    <message>
        <source>Choose the table&apos;s columns</source>
        <translation>Die Spalten der Tabelle wählen</translation>
    </message>
    <message>
        <source>Chart:</source>
        <translation>Diagramm:</translation>
    </message>
    <message>
        <source>Metric:</source>
        <translation>Kennzahl:</translation>
    </message>
    <message>
        <source>% vs base</source>
        <translation>% zur Basis</translation>
    </message>
    <message>
        <source>Bars show the change relative to the base variant</source>
        <translation>Balken zeigen die Änderung relativ zur Basisvariante</translation>
    </message>
    <message>
        <source>Export chart…</source>
        <translation>Diagramm exportieren…</translation>
    </message>
    <message>
        <source>Save the chart as SVG (vector) or PNG</source>
        <translation>Das Diagramm als SVG (Vektor) oder PNG speichern</translation>
    </message>
    <message>
        <source>Export report…</source>
        <translation>Bericht exportieren…</translation>
    </message>
    <message>
        <source>Write the report of the selection as PDF (charts as vector graphics) or Markdown</source>
        <translation>Den Bericht der Auswahl als PDF (Diagramme als Vektorgrafik) oder Markdown schreiben</translation>
    </message>
    <message>
        <source>Bars per variant</source>
        <translation>Balken je Variante</translation>
    </message>
    <message>
        <source>Quality vs speed</source>
        <translation>Qualität gegen Geschwindigkeit</translation>
    </message>
    <message>
        <source>Metric vs setting</source>
        <translation>Kennzahl gegen Einstellung</translation>
    </message>
    <message>
        <source>No result database open</source>
        <translation>Keine Ergebnisdatenbank geöffnet</translation>
    </message>
    <message>
        <source>Comparison: %1</source>
        <translation>Vergleich: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>%n Eintrag</numerusform>
            <numerusform>%n Einträge</numerusform>
        </translation>
    </message>
    <message>
        <source>all records</source>
        <translation>alle Einträge</translation>
    </message>
    <message>
        <source>Open result database</source>
        <translation>Ergebnisdatenbank öffnen</translation>
    </message>
    <message>
        <source>Result databases (*.sqlite *.db);;All files (*)</source>
        <translation>Ergebnisdatenbanken (*.sqlite *.db);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Comparison: %1 variant(s), %2 record(s)</source>
        <translation>Vergleich: %1 Variante(n), %2 Eintrag/Einträge</translation>
    </message>
    <message>
        <source>No compression setting varies over these variants (bits, sparsity, layers removed, group, LoRA rank).</source>
        <translation>Keine Kompressionseinstellung variiert über diese Varianten (Bits, Sparsity, entfernte Schichten, Gruppe, LoRA-Rang).</translation>
    </message>
    <message>
        <source>Left out: %1</source>
        <translation>Ausgelassen: %1</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>Diagramm exportieren</translation>
    </message>
    <message>
        <source>SVG (*.svg);;PNG (*.png)</source>
        <translation>SVG (*.svg);;PNG (*.png)</translation>
    </message>
    <message>
        <source>Chart written to %1</source>
        <translation>Diagramm nach %1 geschrieben</translation>
    </message>
    <message>
        <source>Open a result database first.</source>
        <translation>Zuerst eine Ergebnisdatenbank öffnen.</translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>Bericht exportieren</translation>
    </message>
    <message>
        <source>PDF (*.pdf);;Markdown (*.md)</source>
        <translation>PDF (*.pdf);;Markdown (*.md)</translation>
    </message>
    <message>
        <source>Report: %1</source>
        <translation>Bericht: %1</translation>
    </message>
    <message>
        <source>Report written to %1</source>
        <translation>Bericht nach %1 geschrieben</translation>
    </message>
    <message>
        <source>Task:</source>
        <translation>Aufgabe:</translation>
    </message>
    <message>
        <source>all tasks</source>
        <translation>alle Aufgaben</translation>
    </message>
    <message>
        <source>Quality vs stored size</source>
        <translation>Qualität gegen gespeicherte Größe</translation>
    </message>
    <message>
        <source>Quality vs peak memory</source>
        <translation>Qualität gegen Spitzenspeicher</translation>
    </message>
    <message>
        <source>Quality vs energy</source>
        <translation>Qualität gegen Energie</translation>
    </message>
</context>
<context>
    <name>slim::widgets::DeviceCatalog</name>
    <message>
        <source>slimbench-cli devices returned no result</source>
        <translation>slimbench-cli devices lieferte kein Ergebnis</translation>
    </message>
    <message>
        <source> — %1 of %2 GiB free</source>
        <translation> — %1 von %2 GiB frei</translation>
    </message>
    <message>
        <source>, compute %1</source>
        <translation>, Compute %1</translation>
    </message>
    <message>
        <source>LibTorch %1, %2</source>
        <translation>LibTorch %1, %2</translation>
    </message>
    <message>
        <source>with CUDA</source>
        <translation>mit CUDA</translation>
    </message>
    <message>
        <source>CPU only</source>
        <translation>nur CPU</translation>
    </message>
    <message>
        <source>not known yet</source>
        <translation>noch nicht bekannt</translation>
    </message>
    <message>
        <source>LibTorch %1, %2: %3</source>
        <translation>LibTorch %1, %2: %3</translation>
    </message>
    <message>
        <source>no CUDA</source>
        <translation>kein CUDA</translation>
    </message>
</context>
<context>
    <name>slim::widgets::DevicePicker</name>
    <message>
        <source>CUDA: not in this build (see README, CUDA build)</source>
        <translation>CUDA: nicht in diesem Build (siehe README, CUDA-Build)</translation>
    </message>
    <message>
        <source>Where the job runs (slimbench-cli --device)</source>
        <translation>Wo der Job läuft (slimbench-cli --device)</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>auto</translation>
    </message>
    <message>
        <source>Compute dtype (auto: the checkpoint&apos;s 16-bit dtype on a GPU; on the CPU bf16 for a bf16 checkpoint if the CPU has AVX-512, else fp32)</source>
        <translation>Rechen-Datentyp (auto: der 16-Bit-Typ des Checkpoints auf einer GPU; auf der CPU bf16 für einen bf16-Checkpoint, wenn die CPU AVX-512 hat, sonst fp32)</translation>
    </message>
</context>
<context>
    <name>slim::widgets::DistributionPanel</name>
    <message>
        <source>Compare with model folder</source>
        <translation>Mit Modellordner vergleichen</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>Anzeigen:</translation>
    </message>
    <message>
        <source>One kind across layers</source>
        <translation>Eine Art über alle Schichten</translation>
    </message>
    <message>
        <source>One layer</source>
        <translation>Eine Schicht</translation>
    </message>
    <message>
        <source>One tensor</source>
        <translation>Ein Tensor</translation>
    </message>
    <message>
        <source>Histogram of all tensors of a kind over every layer (e.g. all down_proj), of one layer&apos;s projection matrices, or of a single tensor</source>
        <translation>Histogramm aller Tensoren einer Art über alle Schichten (z. B. alle down_proj), der Projektionsmatrizen einer Schicht oder eines einzelnen Tensors</translation>
    </message>
    <message>
        <source>Bins:</source>
        <translation>Klassen:</translation>
    </message>
    <message>
        <source>Log counts</source>
        <translation>Log-Häufigkeiten</translation>
    </message>
    <message>
        <source>Draw counts on a logarithmic scale: shows the tails and outliers</source>
        <translation>Häufigkeiten logarithmisch darstellen: zeigt die Ränder und Ausreißer</translation>
    </message>
    <message>
        <source>Range:</source>
        <translation>Bereich:</translation>
    </message>
    <message>
        <source>Histogram over a chosen range instead of each tensor&apos;s min..max; values outside are counted separately</source>
        <translation>Histogramm über einen gewählten Bereich statt min..max jedes Tensors; Werte außerhalb werden getrennt gezählt</translation>
    </message>
    <message>
        <source>Compare with…</source>
        <translation>Vergleichen mit…</translation>
    </message>
    <message>
        <source>Overlay the same tensors of a second model (e.g. after compression)</source>
        <translation>Dieselben Tensoren eines zweiten Modells überlagern (z. B. nach der Kompression)</translation>
    </message>
    <message>
        <source>Stop comparing</source>
        <translation>Vergleich beenden</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>no comparison</source>
        <translation>kein Vergleich</translation>
    </message>
    <message>
        <source>compared with %1</source>
        <translation>verglichen mit %1</translation>
    </message>
    <message>
        <source>Open a model to see its weight distributions.</source>
        <translation>Öffnen Sie ein Modell, um seine Gewichtsverteilungen zu sehen.</translation>
    </message>
    <message>
        <source>The range needs low &lt; high.</source>
        <translation>Der Bereich braucht unten &lt; oben.</translation>
    </message>
    <message>
        <source>Computing weight statistics…</source>
        <translation>Gewichtsstatistik wird berechnet…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Weight statistics failed: %1</source>
        <translation>Gewichtsstatistik fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>%1 tensors, %2 values in %3 s</source>
        <translation>%1 Tensoren, %2 Werte in %3 s</translation>
    </message>
    <message>
        <source>Weight statistics of %1: %2</source>
        <translation>Gewichtsstatistik von %1: %2</translation>
    </message>
    <message>
        <source>%1 does not exist in %2 (pruned or renamed?)</source>
        <translation>%1 gibt es in %2 nicht (entfernt oder umbenannt?)</translation>
    </message>
    <message>
        <source>Values</source>
        <translation>Werte</translation>
    </message>
    <message>
        <source>Data type</source>
        <translation>Datentyp</translation>
    </message>
    <message>
        <source>Mean</source>
        <translation>Mittelwert</translation>
    </message>
    <message>
        <source>Std (population)</source>
        <translation>Standardabw. (Population)</translation>
    </message>
    <message>
        <source>Excess kurtosis</source>
        <translation>Exzess-Kurtosis</translation>
    </message>
    <message>
        <source>Skewness</source>
        <translation>Schiefe</translation>
    </message>
    <message>
        <source>Min</source>
        <translation>Min</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>Max</translation>
    </message>
    <message>
        <source>Max |w|</source>
        <translation>Max |w|</translation>
    </message>
    <message>
        <source>Beyond %1σ</source>
        <translation>Jenseits %1σ</translation>
    </message>
    <message>
        <source>Exact zeros (sparsity)</source>
        <translation>Exakte Nullen (Sparsity)</translation>
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
            <numerusform>Prompt: %n Token</numerusform>
            <numerusform>Prompt: %n Token</numerusform>
        </translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Generation failed: %1</source>
        <translation>Textgenerierung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>Generation cancelled.</source>
        <translation>Textgenerierung abgebrochen.</translation>
    </message>
    <message>
        <source>&amp;Prompt:</source>
        <translation>&amp;Prompt:</translation>
    </message>
    <message>
        <source>Max. new tokens:</source>
        <translation>Max. neue Token:</translation>
    </message>
    <message>
        <source>Temperature:</source>
        <translation>Temperatur:</translation>
    </message>
    <message>
        <source>greedy</source>
        <translation>greedy</translation>
    </message>
    <message>
        <source>0 = always take the most likely token</source>
        <translation>0 = immer das wahrscheinlichste Token nehmen</translation>
    </message>
    <message>
        <source>Top-p:</source>
        <translation>Top-p:</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>Startwert:</translation>
    </message>
    <message>
        <source>Stop at end of sequence</source>
        <translation>Am Sequenzende anhalten</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>&amp;Generieren</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Output:</source>
        <translation>Ausgabe:</translation>
    </message>
    <message>
        <source>Open a model first.</source>
        <translation>Öffnen Sie zuerst ein Modell.</translation>
    </message>
    <message>
        <source>This model folder has no tokenizer.json.</source>
        <translation>Dieser Modellordner enthält keine tokenizer.json.</translation>
    </message>
    <message>
        <source>Load the model (first time) and generate text.</source>
        <translation>Modell laden (beim ersten Mal) und Text generieren.</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Wird gestartet…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
</context>
<context>
    <name>slim::widgets::GenerationSession</name>
    <message>
        <source>Loading tokenizer…</source>
        <translation>Tokenizer wird geladen…</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>Modell wird geladen…</translation>
    </message>
    <message>
        <source>Generating…</source>
        <translation>Text wird generiert…</translation>
    </message>
    <message numerus="yes">
        <source>%n new token(s) in %1 s · prefill %2 tok/s · decode %3 tok/s</source>
        <translation>
            <numerusform>%n neues Token in %1 s · Prefill %2 Token/s · Decode %3 Token/s</numerusform>
            <numerusform>%n neue Token in %1 s · Prefill %2 Token/s · Decode %3 Token/s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>slim::widgets::HistogramPlot</name>
    <message>
        <source>density</source>
        <translation>Dichte</translation>
    </message>
    <message>
        <source>count</source>
        <translation>Anzahl</translation>
    </message>
    <message>
        <source>value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>%1: [%2, %3) %4 values (%5 %)</source>
        <translation>%1: [%2, %3) %4 Werte (%5 %)</translation>
    </message>
    <message>
        <source>, density %1</source>
        <translation>, Dichte %1</translation>
    </message>
</context>
<context>
    <name>slim::widgets::Job</name>
    <message>
        <source>Could not start %1: %2</source>
        <translation>%1 konnte nicht gestartet werden: %2</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>%1 crashed.</source>
        <translation>%1 ist abgestürzt.</translation>
    </message>
    <message>
        <source>%1 exited with code %2.</source>
        <translation>%1 wurde mit Code %2 beendet.</translation>
    </message>
    <message>
        <source>slimbench-cli was not found. Looked in:
%1</source>
        <translation>slimbench-cli wurde nicht gefunden. Gesucht in:
%1</translation>
    </message>
    <message>
        <source>Out of memory.</source>
        <translation>Nicht genug Speicher.</translation>
    </message>
    <message>
        <source>Unknown error.</source>
        <translation>Unbekannter Fehler.</translation>
    </message>
</context>
<context>
    <name>slim::widgets::MemoryEstimateView</name>
    <message>
        <source>No estimate: %1</source>
        <translation>Keine Schätzung: %1</translation>
    </message>
    <message>
        <source>Job:</source>
        <translation>Job:</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
    <message>
        <source>Context / sequence length:</source>
        <translation>Kontext / Sequenzlänge:</translation>
    </message>
    <message>
        <source>New tokens:</source>
        <translation>Neue Token:</translation>
    </message>
    <message>
        <source>Batch (0 = automatic):</source>
        <translation>Batch (0 = automatisch):</translation>
    </message>
    <message>
        <source>Calibration samples:</source>
        <translation>Kalibrierungsbeispiele:</translation>
    </message>
    <message>
        <source>Layer-wise offload (one layer on the device)</source>
        <translation>Schichtweises Auslagern (eine Schicht auf dem Gerät)</translation>
    </message>
    <message>
        <source>generate, eval(uate perplexity), LoRA / QLoRA / distillation training, or a quantization / pruning method</source>
        <translation>generate, eval (Perplexität), LoRA-/QLoRA-/Destillationstraining oder ein Quantisierungs-/Beschneidungsverfahren</translation>
    </message>
    <message>
        <source>Open a model to see whether a job fits.</source>
        <translation>Ein Modell öffnen, um zu sehen, ob ein Job passt.</translation>
    </message>
    <message>
        <source>total</source>
        <translation>gesamt</translation>
    </message>
    <message>
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <source> free: %1 GiB</source>
        <translation> frei: %1 GiB</translation>
    </message>
    <message>
        <source>Fits: %1 GiB of %2 GiB free.</source>
        <translation>Passt: %1 GiB von %2 GiB frei.</translation>
    </message>
    <message>
        <source>Does not fit: %1 GiB needed, %2 GiB free.</source>
        <translation>Passt nicht: %1 GiB nötig, %2 GiB frei.</translation>
    </message>
    <message>
        <source>Needs about %1 GiB (free memory unknown).</source>
        <translation>Braucht etwa %1 GiB (freier Speicher unbekannt).</translation>
    </message>
    <message>
        <source>It would fit with %1.</source>
        <translation>Es würde passen mit %1.</translation>
    </message>
    <message>
        <source>No smaller setting tried fits: choose a device with more memory or a smaller model.</source>
        <translation>Keine der versuchten kleineren Einstellungen passt: ein Gerät mit mehr Speicher oder ein kleineres Modell wählen.</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ModelSummaryWidget</name>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>Architektur</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>Schichten</translation>
    </message>
    <message>
        <source>Hidden size</source>
        <translation>Verborgene Größe</translation>
    </message>
    <message>
        <source>MLP size</source>
        <translation>MLP-Größe</translation>
    </message>
    <message>
        <source>Heads / KV heads</source>
        <translation>Köpfe / KV-Köpfe</translation>
    </message>
    <message>
        <source>Head dim</source>
        <translation>Kopfdimension</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>Vokabular</translation>
    </message>
    <message>
        <source>Max. positions</source>
        <translation>Max. Positionen</translation>
    </message>
    <message>
        <source>RoPE theta</source>
        <translation>RoPE-Theta</translation>
    </message>
    <message>
        <source>Tied embeddings</source>
        <translation>Geteilte Einbettungen</translation>
    </message>
    <message>
        <source>Config dtype</source>
        <translation>Datentyp (Konfiguration)</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Size on disk</source>
        <translation>Größe auf der Festplatte</translation>
    </message>
    <message>
        <source>Bytes per dtype</source>
        <translation>Bytes je Datentyp</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>Tokenizer</translation>
    </message>
    <message>
        <source>%1 B</source>
        <comment>billions of parameters</comment>
        <translation>%1 Mrd.</translation>
    </message>
    <message>
        <source>%1 M</source>
        <comment>millions of parameters</comment>
        <translation>%1 Mio.</translation>
    </message>
    <message>
        <source>%1 K</source>
        <comment>thousands of parameters</comment>
        <translation>%1 Tsd.</translation>
    </message>
    <message>
        <source>No model open</source>
        <translation>Kein Modell geöffnet</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message numerus="yes">
        <source>%1 in %n file(s)</source>
        <translation>
            <numerusform>%1 in %n Datei</numerusform>
            <numerusform>%1 in %n Dateien</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>missing (text generation needs tokenizer.json)</source>
        <translation>fehlt (Textgenerierung braucht tokenizer.json)</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>Einbettungen</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>Attention</translation>
    </message>
    <message>
        <source>MLP</source>
        <translation>MLP</translation>
    </message>
    <message>
        <source>Norms</source>
        <translation>Normen</translation>
    </message>
    <message>
        <source>LM head</source>
        <translation>LM-Kopf</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>Sonstige</translation>
    </message>
    <message>
        <source>Share of parameters</source>
        <translation>Anteil an den Parametern</translation>
    </message>
    <message>
        <source>% of parameters</source>
        <translation>% der Parameter</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ModelTreeWidget</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Shape</source>
        <translation>Form</translation>
    </message>
    <message>
        <source>DType</source>
        <translation>Datentyp</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>Parameter</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>Bytes</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 Bytes</translation>
    </message>
    <message>
        <source>model (%1)</source>
        <translation>Modell (%1)</translation>
    </message>
</context>
<context>
    <name>slim::widgets::PdfReport</name>
    <message>
        <source>Slimbench report — page %1</source>
        <translation>Slimbench-Bericht — Seite %1</translation>
    </message>
    <message>
        <source>%1: the folder does not exist</source>
        <translation>%1: der Ordner existiert nicht</translation>
    </message>
    <message>
        <source>%1 could not be written</source>
        <translation>%1 konnte nicht geschrieben werden</translation>
    </message>
    <message>
        <source>Generated %1 from %2: %3 result record(s), %4 variant(s).</source>
        <translation>Erstellt %1 aus %2: %3 Ergebniseintrag/-einträge, %4 Variante(n).</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modelle</translation>
    </message>
    <message>
        <source>no original checkpoint among the variants</source>
        <translation>kein Original-Checkpoint unter den Varianten</translation>
    </message>
    <message>
        <source>Machines</source>
        <translation>Maschinen</translation>
    </message>
    <message>
        <source>Library versions</source>
        <translation>Bibliotheksversionen</translation>
    </message>
    <message>
        <source>Pipeline runs</source>
        <translation>Pipeline-Läufe</translation>
    </message>
    <message>
        <source>records not written by a pipeline run</source>
        <translation>Einträge nicht von einem Pipeline-Lauf geschrieben</translation>
    </message>
    <message>
        <source>Pipeline %1</source>
        <translation>Pipeline %1</translation>
    </message>
    <message>
        <source>Run %1; nodes that finished are drawn green.</source>
        <translation>Lauf %1; abgeschlossene Knoten sind grün gezeichnet.</translation>
    </message>
    <message>
        <source>The pipeline could not be drawn: %1</source>
        <translation>Die Pipeline konnte nicht gezeichnet werden: %1</translation>
    </message>
    <message>
        <source>Node settings</source>
        <translation>Knoteneinstellungen</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>Knoten</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Variants</source>
        <translation>Varianten</translation>
    </message>
    <message>
        <source> (base)</source>
        <translation> (Basis)</translation>
    </message>
    <message>
        <source>not available</source>
        <translation>nicht verfügbar</translation>
    </message>
    <message>
        <source>not available: %1</source>
        <translation>nicht verfügbar: %1</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>Variante</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>Was getan wurde</translation>
    </message>
    <message>
        <source>Stored weights</source>
        <translation>Gespeicherte Gewichte</translation>
    </message>
    <message>
        <source>Peak memory</source>
        <translation>Spitzenspeicher</translation>
    </message>
    <message>
        <source>Decode tok/s (batch 1)</source>
        <translation>Decode Token/s (Batch 1)</translation>
    </message>
    <message>
        <source>Energy J/token</source>
        <translation>Energie J/Token</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Ergebnisse</translation>
    </message>
    <message>
        <source>%1 — convention %2, device %3</source>
        <translation>%1 — Konvention %2, Gerät %3</translation>
    </message>
    <message>
        <source>Settings: %1</source>
        <translation>Einstellungen: %1</translation>
    </message>
    <message>
        <source>%1 vs base</source>
        <translation>%1 zur Basis</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>Diagramme</translation>
    </message>
    <message>
        <source>Pareto front (no variant is better on both axes): %1</source>
        <translation>Pareto-Front (keine Variante ist auf beiden Achsen besser): %1</translation>
    </message>
    <message>
        <source>Left out of this chart: %1</source>
        <translation>In diesem Diagramm ausgelassen: %1</translation>
    </message>
    <message>
        <source>Layer similarity of the base model</source>
        <translation>Schichtähnlichkeit des Basismodells</translation>
    </message>
    <message>
        <source>Angular distance between the input of layer i and of layer i + n (PruneMe / Gromov et al. 2024): the darker a cell, the less the block of n layers changes its input, the better a candidate for removal. From %1.</source>
        <translation>Winkelabstand zwischen der Eingabe von Schicht i und von Schicht i + n (PruneMe / Gromov et al. 2024): je dunkler eine Zelle, desto weniger verändert der Block aus n Schichten seine Eingabe und desto besser eignet er sich zum Entfernen. Aus %1.</translation>
    </message>
    <message>
        <source>No finished Analyse node on the base model in the selected runs: add one to the pipeline to include the heatmap.</source>
        <translation>Kein abgeschlossener Analyse-Knoten auf dem Basismodell in den gewählten Läufen: einen zur Pipeline hinzufügen, um die Heatmap aufzunehmen.</translation>
    </message>
    <message>
        <source>What the metrics mean</source>
        <translation>Was die Kennzahlen bedeuten</translation>
    </message>
    <message>
        <source>Stored weights: bytes of the weight tensors in the model folder as saved (packed integers at their packed size). Peak memory: the highest memory in use while generating or evaluating, as the device reports it. Values are value ± standard error where the task has one. &quot;Not available&quot; means not measured, never zero. Each table and chart holds numbers of one task, convention, device and setting only.</source>
        <translation>Gespeicherte Gewichte: Bytes der Gewichtstensoren im Modellordner, wie gespeichert (gepackte Ganzzahlen in gepackter Größe). Spitzenspeicher: der höchste Speicherverbrauch beim Generieren oder Auswerten, wie ihn das Gerät meldet. Werte sind Wert ± Standardfehler, wo die Aufgabe einen hat. „Nicht verfügbar“ heißt nicht gemessen, nie null. Jede Tabelle und jedes Diagramm enthält nur Zahlen einer Aufgabe, Konvention, eines Geräts und einer Einstellung.</translation>
    </message>
    <message>
        <source>Records left out</source>
        <translation>Ausgelassene Einträge</translation>
    </message>
    <message>
        <source>Energy per token: not available for any variant (%1), so there is no energy chart.</source>
        <translation>Energie pro Token: für keine Variante verfügbar (%1), daher kein Energiediagramm.</translation>
    </message>
    <message>
        <source>not measured</source>
        <translation>nicht gemessen</translation>
    </message>
</context>
<context>
    <name>slim::widgets::PipelineEditor</name>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Run finished: every node is done</source>
        <translation>Lauf beendet: alle Knoten sind fertig</translation>
    </message>
    <message>
        <source>Run cancelled</source>
        <translation>Lauf abgebrochen</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Neu</translation>
    </message>
    <message>
        <source>Start an empty pipeline</source>
        <translation>Eine leere Pipeline beginnen</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>Öffnen…</translation>
    </message>
    <message>
        <source>Open a pipeline file</source>
        <translation>Eine Pipeline-Datei öffnen</translation>
    </message>
    <message>
        <source>Open pipeline</source>
        <translation>Pipeline öffnen</translation>
    </message>
    <message>
        <source>Pipelines (*.json)</source>
        <translation>Pipelines (*.json)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Save the pipeline</source>
        <translation>Die Pipeline speichern</translation>
    </message>
    <message>
        <source>Save pipeline</source>
        <translation>Pipeline speichern</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>Speichern unter…</translation>
    </message>
    <message>
        <source>Save the pipeline under another name</source>
        <translation>Die Pipeline unter anderem Namen speichern</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Rückgängig</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Wiederholen</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the selected nodes</source>
        <translation>Die ausgewählten Knoten kopieren</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>Einfügen</translation>
    </message>
    <message>
        <source>Paste nodes</source>
        <translation>Knoten einfügen</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Delete the selected nodes and their links</source>
        <translation>Die ausgewählten Knoten und ihre Verbindungen löschen</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <source>Show the whole graph</source>
        <translation>Den ganzen Graphen zeigen</translation>
    </message>
    <message>
        <source>Auto-layout</source>
        <translation>Automatisch anordnen</translation>
    </message>
    <message>
        <source>Arrange the nodes in columns by their order</source>
        <translation>Die Knoten nach ihrer Reihenfolge in Spalten anordnen</translation>
    </message>
    <message>
        <source>Where the run computes</source>
        <translation>Wo der Lauf rechnet</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Ausführen</translation>
    </message>
    <message>
        <source>Run the pipeline: finished nodes are reused</source>
        <translation>Die Pipeline ausführen: fertige Knoten werden wiederverwendet</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Stop the run (finished nodes stay)</source>
        <translation>Den Lauf anhalten (fertige Knoten bleiben erhalten)</translation>
    </message>
    <message>
        <source>Search node types</source>
        <translation>Knotentypen suchen</translation>
    </message>
    <message>
        <source>Select a node to edit its parameters.</source>
        <translation>Wählen Sie einen Knoten, um seine Parameter zu bearbeiten.</translation>
    </message>
    <message numerus="yes">
        <source>%n nodes selected</source>
        <translation>
            <numerusform>%n Knoten ausgewählt</numerusform>
            <numerusform>%n Knoten ausgewählt</numerusform>
        </translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Übernehmen</translation>
    </message>
    <message>
        <source>required</source>
        <translation>erforderlich</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Choose a file or folder</source>
        <translation>Eine Datei oder einen Ordner wählen</translation>
    </message>
    <message>
        <source>Choose a file</source>
        <translation>Eine Datei wählen</translation>
    </message>
    <message>
        <source>Or choose a folder</source>
        <translation>Oder einen Ordner wählen</translation>
    </message>
    <message>
        <source>untitled</source>
        <translation>unbenannt</translation>
    </message>
    <message>
        <source>Unsaved pipeline</source>
        <translation>Nicht gespeicherte Pipeline</translation>
    </message>
    <message>
        <source>Save the changes to %1?</source>
        <translation>Die Änderungen an %1 speichern?</translation>
    </message>
    <message>
        <source>the pipeline</source>
        <translation>der Pipeline</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>%1 geöffnet</translation>
    </message>
    <message>
        <source>The clipboard holds no pipeline nodes</source>
        <translation>Die Zwischenablage enthält keine Pipeline-Knoten</translation>
    </message>
    <message>
        <source>Cannot run: %1</source>
        <translation>Ausführen nicht möglich: %1</translation>
    </message>
    <message>
        <source>Running %1 on %2…</source>
        <translation>%1 läuft auf %2…</translation>
    </message>
    <message>
        <source>%1: layers to remove set to %2</source>
        <translation>%1: zu entfernende Schichten auf %2 gesetzt</translation>
    </message>
    <message>
        <source>Added %1 removing layers %2: connect its model input</source>
        <translation>%1 hinzugefügt, entfernt die Schichten %2: verbinden Sie seinen Modelleingang</translation>
    </message>
    <message>
        <source>Result of %1</source>
        <translation>Ergebnis von %1</translation>
    </message>
    <message>
        <source>task</source>
        <translation>Aufgabe</translation>
    </message>
    <message>
        <source>Layers to drop: %1</source>
        <translation>Zu entfernende Schichten: %1</translation>
    </message>
</context>
<context>
    <name>slim::widgets::PipelineScene</name>
    <message>
        <source>Unknown node type &apos;%1&apos;</source>
        <translation>Unbekannter Knotentyp „%1“</translation>
    </message>
    <message>
        <source>Add %1</source>
        <translation>%1 hinzufügen</translation>
    </message>
    <message>
        <source>Cannot connect %1 → %2: %3</source>
        <translation>%1 → %2 kann nicht verbunden werden: %3</translation>
    </message>
    <message>
        <source>Connect %1 → %2</source>
        <translation>%1 → %2 verbinden</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n node(s)</source>
        <translation>
            <numerusform>%n Knoten löschen</numerusform>
            <numerusform>%n Knoten löschen</numerusform>
        </translation>
    </message>
    <message>
        <source>Set %1.%2</source>
        <translation>%1.%2 setzen</translation>
    </message>
    <message>
        <source>Move %1</source>
        <translation>%1 verschieben</translation>
    </message>
    <message>
        <source>Auto-layout</source>
        <translation>Automatisch anordnen</translation>
    </message>
    <message>
        <source>Connect an output (right) to an input (left)</source>
        <translation>Verbinden Sie einen Ausgang (rechts) mit einem Eingang (links)</translation>
    </message>
</context>
<context>
    <name>slim::widgets::ResultTableModel</name>
    <message>
        <source>not available</source>
        <translation>nicht verfügbar</translation>
    </message>
    <message>
        <source>%1 (base)</source>
        <translation>%1 (Basis)</translation>
    </message>
    <message>
        <source>%1
folder: %2
fingerprint: %3</source>
        <translation>%1
Ordner: %2
Fingerabdruck: %3</translation>
    </message>
    <message>
        <source>record #%1</source>
        <translation>Eintrag #%1</translation>
    </message>
    <message>
        <source>
%1 % vs the base</source>
        <translation>
%1 % gegenüber der Basis</translation>
    </message>
    <message>
        <source>%1
settings: %2
%3 is better</source>
        <translation>%1
Einstellungen: %2
%3 ist besser</translation>
    </message>
    <message>
        <source>lower</source>
        <translation>niedriger</translation>
    </message>
    <message>
        <source>higher</source>
        <translation>höher</translation>
    </message>
    <message>
        <source>neither</source>
        <translation>keins von beiden</translation>
    </message>
    <message>
        <source>Variant</source>
        <translation>Variante</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>Was getan wurde</translation>
    </message>
    <message>
        <source>Stored weights</source>
        <translation>Gespeicherte Gewichte</translation>
    </message>
    <message>
        <source>Peak memory</source>
        <translation>Spitzenspeicher</translation>
    </message>
    <message>
        <source>Decode tok/s</source>
        <translation>Decode Token/s</translation>
    </message>
    <message>
        <source>J/token</source>
        <translation>J/Token</translation>
    </message>
</context>
<context>
    <name>slim::widgets::SimilarityHeatmap</name>
    <message>
        <source>Block distance d(ℓ, n)</source>
        <translation>Blockabstand d(ℓ, n)</translation>
    </message>
    <message>
        <source>Angular distance matrix</source>
        <translation>Winkelabstandsmatrix</translation>
    </message>
    <message>
        <source>d(ℓ, n) = arccos(cos(x_ℓ, x_ℓ+n)) / π: how much a block of n layers starting at ℓ changes the hidden state (PruneMe / Gromov et al.). Low = candidate for removal.</source>
        <translation>d(ℓ, n) = arccos(cos(x_ℓ, x_ℓ+n)) / π: wie stark ein Block aus n Schichten ab ℓ den verborgenen Zustand verändert (PruneMe / Gromov u. a.). Niedrig = Kandidat zum Entfernen.</translation>
    </message>
    <message>
        <source>Click a cell to choose layers to drop.</source>
        <translation>Klicken Sie auf eine Zelle, um zu entfernende Schichten zu wählen.</translation>
    </message>
    <message>
        <source>layer (0-based)</source>
        <translation>Schicht (ab 0)</translation>
    </message>
    <message>
        <source>block influence</source>
        <translation>Blockeinfluss</translation>
    </message>
    <message>
        <source>ShortGPT Block Influence: mean 1 − cos(h_i, h_i+1) over all tokens; the lowest layers are removal candidates.</source>
        <translation>ShortGPT-Blockeinfluss: Mittel von 1 − cos(h_i, h_i+1) über alle Token; die niedrigsten Schichten sind Kandidaten zum Entfernen.</translation>
    </message>
    <message>
        <source>Recommended: drop layers %1 (d = %2). Click a cell to choose another block.</source>
        <translation>Empfohlen: Schichten %1 entfernen (d = %2). Klicken Sie auf eine Zelle für einen anderen Block.</translation>
    </message>
    <message>
        <source>first dropped layer ℓ (0-based)</source>
        <translation>erste entfernte Schicht ℓ (ab 0)</translation>
    </message>
    <message>
        <source>block size n</source>
        <translation>Blockgröße n</translation>
    </message>
    <message>
        <source>d(ℓ, n)</source>
        <translation>d(ℓ, n)</translation>
    </message>
    <message>
        <source>hidden state i (input of layer i; %1 = last output)</source>
        <translation>verborgener Zustand i (Eingang von Schicht i; %1 = letzte Ausgabe)</translation>
    </message>
    <message>
        <source>hidden state j</source>
        <translation>verborgener Zustand j</translation>
    </message>
    <message>
        <source>angular distance</source>
        <translation>Winkelabstand</translation>
    </message>
    <message>
        <source>layers %1–%2 (n = %3): d = %4</source>
        <translation>Schichten %1–%2 (n = %3): d = %4</translation>
    </message>
    <message>
        <source>states %1 and %2: angular distance %3</source>
        <translation>Zustände %1 und %2: Winkelabstand %3</translation>
    </message>
    <message>
        <source>Selected: drop layers %1 (d = %2)</source>
        <translation>Gewählt: Schichten %1 entfernen (d = %2)</translation>
    </message>
    <message>
        <source>No layer analysis yet.

Choose a calibration text and press “Analyse layers”: the heatmap then shows, for every block of n layers starting at layer ℓ, how much it changes the hidden state. Dark cells are blocks that can be removed.</source>
        <translation>Noch keine Schichtanalyse.

Wählen Sie einen Kalibriertext und drücken Sie „Schichten analysieren“: Die Heatmap zeigt dann für jeden Block von n Schichten ab Schicht ℓ, wie stark er den verborgenen Zustand verändert. Dunkle Zellen sind Blöcke, die entfernt werden können.</translation>
    </message>
</context>
<context>
    <name>slim::widgets::SimilarityPanel</name>
    <message>
        <source>a text file (e.g. WikiText-2 wiki.test.raw)</source>
        <translation>eine Textdatei (z. B. WikiText-2 wiki.test.raw)</translation>
    </message>
    <message>
        <source>Choose the calibration text</source>
        <translation>Kalibrierungstext wählen</translation>
    </message>
    <message>
        <source>Calibration text</source>
        <translation>Kalibrierungstext</translation>
    </message>
    <message>
        <source>Calibration text:</source>
        <translation>Kalibrierungstext:</translation>
    </message>
    <message>
        <source>Number of token windows drawn from the text (PruneMe uses all of its dataset).</source>
        <translation>Anzahl der Token-Fenster aus dem Text (PruneMe nutzt seinen ganzen Datensatz).</translation>
    </message>
    <message>
        <source>Tokens per window.</source>
        <translation>Token pro Fenster.</translation>
    </message>
    <message>
        <source>windows of</source>
        <translation>Fenster zu</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation>Stichproben:</translation>
    </message>
    <message>
        <source>&amp;Analyse layers</source>
        <translation>Schichten &amp;analysieren</translation>
    </message>
    <message>
        <source>Compute the layer-similarity heatmap (runs slimbench-cli analyze in the background)</source>
        <translation>Heatmap der Schichtähnlichkeit berechnen (führt slimbench-cli analyze im Hintergrund aus)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Choose a calibration text file first.</source>
        <translation>Wählen Sie zuerst eine Kalibrierungstextdatei.</translation>
    </message>
    <message>
        <source>Analysing…</source>
        <translation>Analysiere…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>The analysis returned no similarity result.</source>
        <translation>Die Analyse lieferte kein Ähnlichkeitsergebnis.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>&amp;Remove layers…</source>
        <translation>Schichten &amp;entfernen…</translation>
    </message>
    <message>
        <source>Write a copy of the model without the selected block of layers (or the recommended one) — slimbench-cli prune depth, in the background</source>
        <translation>Eine Kopie des Modells ohne den gewählten (oder den empfohlenen) Schichtblock schreiben — slimbench-cli prune depth, im Hintergrund</translation>
    </message>
    <message>
        <source>Wrote the pruned model to %1</source>
        <translation>Das reduzierte Modell wurde nach %1 geschrieben</translation>
    </message>
    <message>
        <source>&amp;Remove layers %1…</source>
        <translation>Schichten %1 &amp;entfernen…</translation>
    </message>
    <message>
        <source>Folder for the pruned model</source>
        <translation>Ordner für das reduzierte Modell</translation>
    </message>
    <message>
        <source>Removing layers %1…</source>
        <translation>Entferne Schichten %1…</translation>
    </message>
    <message>
        <source>%1 windows of %2 tokens</source>
        <translation>%1 Fenster zu %2 Tokens</translation>
    </message>
    <message>
        <source>%1 layers, %2, token selection: %3</source>
        <translation>%1 Schichten, %2, Tokenauswahl: %3</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
</context>
</TS>
