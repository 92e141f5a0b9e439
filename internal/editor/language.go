package editor

import (
	"slices"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Language is the syntax a room's editor highlights. It is only a label for clients; the server
// never interprets the code.
type Language string

const (
	LanguagePython     Language = "python"
	LanguageJavaScript Language = "javascript"
	LanguageTypeScript Language = "typescript"
	LanguageGo         Language = "go"
	LanguageJava       Language = "java"
	LanguageCPP        Language = "cpp"
	LanguageSQL        Language = "sql"
	LanguagePlainText  Language = "plaintext"
)

// DefaultLanguage is Python because the first track is for Python developers.
const DefaultLanguage = LanguagePython

// Languages lists every language a room may select, in the order a picker shows them.
var Languages = []Language{
	LanguagePython, LanguageJavaScript, LanguageTypeScript, LanguageGo,
	LanguageJava, LanguageCPP, LanguageSQL, LanguagePlainText,
}

// Valid reports whether l is one of Languages.
func (l Language) Valid() bool { return slices.Contains(Languages, l) }

// ParseLanguage turns a client's choice into a Language; the empty string means the default.
func ParseLanguage(s string) (Language, error) {
	if s == "" {
		return DefaultLanguage, nil
	}
	if l := Language(s); l.Valid() {
		return l, nil
	}
	return "", mockroom.Errorf(mockroom.KindInvalid, CodeLanguageUnknown, "unknown editor language %q", s)
}
