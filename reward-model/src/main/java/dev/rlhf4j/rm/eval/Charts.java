package dev.rlhf4j.rm.eval;

import dev.rlhf4j.rm.eval.PairMetrics.Calibration;
import dev.rlhf4j.rm.eval.PairMetrics.CalibrationBin;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYBarDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The two PNG plots of an evaluation (JFreeChart, headless). */
final class Charts {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 480;

    private Charts() {}

    /** Reliability diagram: observed frequency against mean predicted probability per bin, and the diagonal. */
    static void reliability(Calibration calibration, Path png) throws IOException {
        headless();
        XYSeries observed = new XYSeries("model (ECE " + String.format(java.util.Locale.ROOT, "%.3f",
                calibration.ece()) + ")");
        for (CalibrationBin b : calibration.bins()) {
            if (b.count() > 0) {
                observed.add(b.confidence(), b.accuracy());
            }
        }
        XYSeries perfect = new XYSeries("perfectly calibrated");
        perfect.add(0, 0);
        perfect.add(1, 1);
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(observed);
        data.addSeries(perfect);
        JFreeChart chart = ChartFactory.createXYLineChart("Reliability of σ(r_c − r_r), order-symmetrised pairs",
                "mean predicted probability", "observed frequency", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, Color.GRAY);
        renderer.setSeriesShapesVisible(1, false);
        renderer.setSeriesStroke(1, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getDomainAxis()).setRange(0, 1);
        ((NumberAxis) plot.getRangeAxis()).setRange(0, 1);
        plot.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }

    /** Overlaid histograms of chosen and rejected raw scores. */
    static void histogram(EvalReport.Histogram h, Path png) throws IOException {
        headless();
        double width = h.edges()[1] - h.edges()[0];
        XYSeries chosen = new XYSeries("chosen");
        XYSeries rejected = new XYSeries("rejected");
        for (int b = 0; b < h.chosen().length; b++) {
            double centre = (h.edges()[b] + h.edges()[b + 1]) / 2;
            chosen.add(centre, h.chosen()[b]);
            rejected.add(centre, h.rejected()[b]);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(chosen);
        data.addSeries(rejected);
        JFreeChart chart = ChartFactory.createXYBarChart("Reward distribution", "raw score", false, "responses",
                new XYBarDataset(data, width), PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYBarRenderer renderer = (XYBarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardXYBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, new Color(31, 119, 180, 140));
        renderer.setSeriesPaint(1, new Color(214, 39, 40, 140));
        plot.setForegroundAlpha(0.7f);
        plot.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }

    private static void headless() {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }
}
