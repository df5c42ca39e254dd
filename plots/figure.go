package plots

import (
	"bufio"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Format is an output image format.
type Format int

const (
	// PNG is a raster image (image/png).
	PNG Format = iota
	// SVG is a vector image. Heat maps are embedded in it as raster images.
	SVG
)

// String returns the format's file extension without the dot.
func (f Format) String() string {
	switch f {
	case PNG:
		return "png"
	case SVG:
		return "svg"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Ext returns the format's file extension with the dot, ".png" or ".svg".
func (f Format) Ext() string { return "." + f.String() }

func (f Format) valid() bool { return f == PNG || f == SVG }

// FormatOf returns the format named by the extension of path, ".png" or
// ".svg" (case-insensitive).
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".svg":
		return SVG, nil
	}
	return 0, fmt.Errorf("plots: cannot tell the image format of %q: want a .png or .svg extension", path)
}

// Page is the size and resolution of a picture. The zero value means the
// defaults of each picture (typically 8×5 inches at 96 dots per inch).
type Page struct {
	// Width and Height of the picture. Zero means the picture's default.
	Width, Height vg.Length
	// DPI is the resolution of PNG output. Zero means 96.
	DPI int
	// Title replaces the picture's default title; "-" means no title.
	Title string
}

// resolve returns p with zero fields replaced by the defaults.
func (p Page) resolve(w, h vg.Length, title string) Page {
	if p.Width <= 0 {
		p.Width = w
	}
	if p.Height <= 0 {
		p.Height = h
	}
	if p.DPI <= 0 {
		p.DPI = 96
	}
	switch p.Title {
	case "":
		p.Title = title
	case "-":
		p.Title = ""
	}
	return p
}

// Figure is a picture ready to be rendered. Plot is its main plot, which
// callers may adjust (titles, axis labels, ranges, extra plotters) before
// rendering.
type Figure struct {
	Plot *plot.Plot
	// Width, Height and DPI are the rendered size and the PNG resolution.
	Width, Height vg.Length
	DPI           int

	// side, if not nil, is drawn in a strip of sideWidth at the right
	// of the picture (the colour bar of a heat map), with its data area
	// aligned vertically with Plot's.
	side      *plot.Plot
	sideWidth vg.Length
}

func newFigure(p *plot.Plot, pg Page) *Figure {
	return &Figure{Plot: p, Width: pg.Width, Height: pg.Height, DPI: pg.DPI}
}

// Draw draws the figure on c.
func (f *Figure) Draw(c draw.Canvas) {
	if f.side == nil {
		f.Plot.Draw(c)
		return
	}
	main := c
	main.Max.X -= f.sideWidth
	side := c
	side.Min.X = main.Max.X
	// Align the side plot's data area with the main plot's.
	md := f.Plot.DataCanvas(main)
	sd := f.side.DataCanvas(side)
	side.Min.Y += md.Min.Y - sd.Min.Y
	side.Max.Y += md.Max.Y - sd.Max.Y
	f.Plot.Draw(main)
	f.side.Draw(side)
}

// Render writes the figure to w in format.
func (f *Figure) Render(w io.Writer, format Format) error {
	if f == nil || f.Plot == nil {
		return fmt.Errorf("plots: Render: nil figure")
	}
	if !format.valid() {
		return fmt.Errorf("plots: Render: unknown format %v", format)
	}
	width, height := f.Width, f.Height
	if width <= 0 || height <= 0 {
		return fmt.Errorf("plots: Render: figure size %v×%v must be positive", width, height)
	}
	var wt io.WriterTo
	var c vg.CanvasSizer
	switch format {
	case PNG:
		dpi := f.DPI
		if dpi <= 0 {
			dpi = 96
		}
		img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
		c, wt = img, vgimg.PngCanvas{Canvas: img}
	case SVG:
		svg := vgsvg.New(width, height)
		c, wt = svg, svg
	}
	f.Draw(draw.New(c))
	_, err := wt.WriteTo(w)
	return err
}

// Save writes the figure to the file path, in the format given by its
// extension (.png or .svg).
func (f *Figure) Save(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	return f.SaveAs(path, format)
}

// SaveAs writes the figure to the file path in format, whatever the
// extension.
func (f *Figure) SaveAs(path string, format Format) (err error) {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if e := file.Close(); err == nil {
			err = e
		}
	}()
	bw := bufio.NewWriter(file)
	if err := f.Render(bw, format); err != nil {
		return err
	}
	return bw.Flush()
}

// Colours shared by the pictures.
var (
	// clusterColors is a colour cycle for kept clusters (Tableau 10
	// without grey and red, which mark removed clusters and thresholds).
	clusterColors = []color.Color{
		color.RGBA{0x1f, 0x77, 0xb4, 0xff}, // blue
		color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, // green
		color.RGBA{0xff, 0x7f, 0x0e, 0xff}, // orange
		color.RGBA{0x94, 0x67, 0xbd, 0xff}, // purple
		color.RGBA{0x8c, 0x56, 0x4b, 0xff}, // brown
		color.RGBA{0xe3, 0x77, 0xc2, 0xff}, // pink
		color.RGBA{0xbc, 0xbd, 0x22, 0xff}, // olive
		color.RGBA{0x17, 0xbe, 0xcf, 0xff}, // cyan
	}
	colorAbove     = color.RGBA{0x20, 0x20, 0x20, 0xff} // links above the cut
	colorRemoved   = color.RGBA{0xb0, 0xb0, 0xb0, 0xff} // removed clusters
	colorThreshold = color.RGBA{0xd6, 0x27, 0x28, 0xff} // cut and thresholds
	colorKept      = color.RGBA{0x2c, 0xa0, 0x2c, 0xff}
	colorBad       = color.RGBA{0xd6, 0x27, 0x28, 0xff}
)

func thresholdStyle() draw.LineStyle {
	return draw.LineStyle{
		Color:  colorThreshold,
		Width:  vg.Points(1.5),
		Dashes: []vg.Length{vg.Points(6), vg.Points(3)},
	}
}

// newPlot returns a plot with the title set and the usual padding.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.Legend.Top = true
	return p
}

// hline is a horizontal line across the whole data area at Y, in data
// coordinates; it does not extend the data range in X.
type hline struct {
	Y     float64
	Style draw.LineStyle
}

func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.Y)
	c.StrokeLines(h.Style, c.ClipLinesY([]vg.Point{{X: c.Min.X, Y: y}, {X: c.Max.X, Y: y}})...)
}

func (h hline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.Y, h.Y
}

// vline is a vertical line across the whole data area at X.
type vline struct {
	X     float64
	Style draw.LineStyle
}

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.X)
	c.StrokeLines(v.Style, c.ClipLinesX([]vg.Point{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}})...)
}

func (v vline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return v.X, v.X, math.Inf(1), math.Inf(-1)
}

// lineThumb is a legend entry drawn as a short line.
type lineThumb draw.LineStyle

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle(l), c.Min.X, y, c.Max.X, y)
}

// boxThumb is a legend entry drawn as a filled box.
type boxThumb struct{ color.Color }

func (b boxThumb) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(b.Color, pts)
}

// logTicks marks the integers of an axis of log10 values with the powers
// of ten they stand for ("1e-06"), with unlabelled minor ticks at 2…9 times
// each power when few decades are shown. With many decades only every
// second, fifth, tenth or twentieth power is labelled. (Log axes are drawn
// as linear axes of log10 values: gonum's plot.LogScale misplaces the
// padding of a long axis label.)
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	e0, e1 := int(math.Floor(lo)), int(math.Ceil(hi))
	decades := e1 - e0
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 50} {
		step = s
		if decades/s <= 8 {
			break
		}
	}
	var ts []plot.Tick
	for e := e0; e <= e1; e++ {
		v := float64(e)
		if v >= lo && v <= hi {
			t := plot.Tick{Value: v}
			if e%step == 0 {
				t.Label = fmt.Sprintf("1e%+03d", e)
				if e == 0 {
					t.Label = "1"
				}
			}
			ts = append(ts, t)
		}
		if decades <= 6 {
			for k := 2; k <= 9; k++ {
				if w := v + math.Log10(float64(k)); w >= lo && w <= hi {
					ts = append(ts, plot.Tick{Value: w})
				}
			}
		}
	}
	return ts
}
