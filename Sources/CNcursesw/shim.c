#include "CNcursesw.h"
#include <locale.h>
#include <string.h>
#include <langinfo.h>
#include <stdio.h>

int cn_setup_locale(void) {
    setlocale(LC_ALL, "");
    const char *codeset = nl_langinfo(CODESET);
    if (codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0)) return 1;
    if (setlocale(LC_CTYPE, "C.UTF-8") != NULL) return 1;
    return 0;
}
int cn_color_pair(int pair) { return (int)COLOR_PAIR(pair); }
int cn_lines(void) { return LINES; }
int cn_cols(void) { return COLS; }
unsigned int cn_attr_bold(void) { return A_BOLD; }
unsigned int cn_attr_underline(void) { return A_UNDERLINE; }
unsigned int cn_attr_reverse(void) { return A_REVERSE; }
unsigned int cn_attr_dim(void) { return A_DIM; }
unsigned int cn_attr_italic(void) {
#ifdef A_ITALIC
    return A_ITALIC;
#else
    return A_UNDERLINE;
#endif
}
unsigned int cn_attr_normal(void) { return A_NORMAL; }
unsigned long cn_button4(void) { return BUTTON4_PRESSED; }
#ifdef BUTTON5_PRESSED
unsigned long cn_button5(void) { return BUTTON5_PRESSED; }
#else
unsigned long cn_button5(void) { return 0; }
#endif
unsigned long cn_all_mouse(void) { return ALL_MOUSE_EVENTS; }
int cn_get_wch(int *ch) {
    wint_t w = 0;
    int r = get_wch(&w);
    *ch = (int)w;
    return r;
}
unsigned long cn_mouse_state(int *y, int *x) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    *y = event.y;
    *x = event.x;
    return (unsigned long)event.bstate;
}
int cn_put(int y, int x, const wchar_t *text, int count, unsigned int attrs, int pair) {
    attr_set((attr_t)attrs, (short)pair, NULL);
    return mvaddnwstr(y, x, text, count);
}
int cn_key_resize(void) { return KEY_RESIZE; }
int cn_key_mouse(void) { return KEY_MOUSE; }
int cn_keypad(int on) { return keypad(stdscr, on ? TRUE : FALSE); }
int cn_clearok(void) { return clearok(stdscr, TRUE); }
int cn_colors(void) { return COLORS; }
int cn_end(void) { int r = OK; if (stdscr != NULL && !isendwin()) r = endwin(); fflush(stdout); return r; }
