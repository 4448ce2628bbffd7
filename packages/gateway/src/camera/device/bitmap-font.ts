/**
 * A 3x5 pixel font for the snapshot's timestamp: digits and the few marks a date needs.
 * Each glyph is five rows of three bits, most significant bit on the left.
 */
const GLYPHS: Record<string, readonly number[]> = {
  '0': [0b111, 0b101, 0b101, 0b101, 0b111],
  '1': [0b010, 0b110, 0b010, 0b010, 0b111],
  '2': [0b111, 0b001, 0b111, 0b100, 0b111],
  '3': [0b111, 0b001, 0b111, 0b001, 0b111],
  '4': [0b101, 0b101, 0b111, 0b001, 0b001],
  '5': [0b111, 0b100, 0b111, 0b001, 0b111],
  '6': [0b111, 0b100, 0b111, 0b101, 0b111],
  '7': [0b111, 0b001, 0b010, 0b010, 0b010],
  '8': [0b111, 0b101, 0b111, 0b101, 0b111],
  '9': [0b111, 0b101, 0b111, 0b001, 0b111],
  '-': [0b000, 0b000, 0b111, 0b000, 0b000],
  ':': [0b000, 0b010, 0b000, 0b010, 0b000],
  '.': [0b000, 0b000, 0b000, 0b000, 0b010],
  ' ': [0b000, 0b000, 0b000, 0b000, 0b000],
};

const GLYPH_WIDTH = 3;
export const GLYPH_HEIGHT = 5;

/**
 * Calls `plot(x, y)` for every lit pixel of `text` drawn at (x0, y0), each font pixel
 * `scale` pixels wide, one font pixel between glyphs. Characters without a glyph are blanks.
 */
export function drawText(text: string, x0: number, y0: number, scale: number, plot: (x: number, y: number) => void): void {
  [...text].forEach((char, index) => {
    const rows = GLYPHS[char] ?? GLYPHS[' ']!;
    const left = x0 + index * (GLYPH_WIDTH + 1) * scale;
    rows.forEach((bits, row) => {
      for (let column = 0; column < GLYPH_WIDTH; column++) {
        if (!(bits & (1 << (GLYPH_WIDTH - 1 - column)))) continue;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) plot(left + column * scale + dx, y0 + row * scale + dy);
      }
    });
  });
}

export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * (GLYPH_WIDTH + 1) - 1) * scale;
}
