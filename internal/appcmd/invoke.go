package appcmd

import (
	"encoding/json"
	"fmt"

	"github.com/accordchat/accord/internal/protocol"
)

// InvokedOption is an option value as a client sends it in an application
// command interaction's data.
type InvokedOption struct {
	Type    int             `json:"type"`
	Name    string          `json:"name"`
	Value   json.RawMessage `json:"value,omitempty"`
	Options []InvokedOption `json:"options,omitempty"`
	Focused bool            `json:"focused,omitempty"`
}

// CheckInvocation checks the options of an invocation of cmd against its
// definition: every option must be one the command declares at that level,
// of the declared type; a sub-command or group must be one of the
// command's; and, unless partial (autocomplete, where the user is still
// typing), every required option must be given. Problems are 50035 field
// errors under "data.options".
func CheckInvocation(cmd Command, opts []InvokedOption, partial bool) []protocol.FieldError {
	var errs []protocol.FieldError
	checkLevel(cmd.Options, opts, "data.options", partial, &errs)
	return errs
}

func checkLevel(declared []Option, given []InvokedOption, path string, partial bool, errs *[]protocol.FieldError) {
	seen := map[string]bool{}
	for i, g := range given {
		p := fmt.Sprintf("%s.%d", path, i)
		var d *Option
		for j := range declared {
			if declared[j].Name == g.Name {
				d = &declared[j]
				break
			}
		}
		switch {
		case d == nil:
			*errs = append(*errs, protocol.FieldError{Path: p + ".name", Code: protocol.FieldBaseTypeInvalid, Message: "Unknown option"})
			continue
		case d.Type != g.Type:
			*errs = append(*errs, protocol.FieldError{Path: p + ".type", Code: protocol.FieldBaseTypeInvalid, Message: "Option type does not match the command"})
			continue
		case seen[g.Name]:
			*errs = append(*errs, protocol.FieldError{Path: p + ".name", Code: protocol.FieldBaseTypeDuplicate, Message: "Option given twice"})
			continue
		}
		seen[g.Name] = true
		if g.Type == OptSubCommand || g.Type == OptSubCommandGroup {
			if len(given) != 1 {
				*errs = append(*errs, protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeInvalid, Message: "Exactly one sub-command is invoked"})
				return
			}
			checkLevel(d.Options, g.Options, p+".options", partial, errs)
			return
		}
	}
	if partial {
		return
	}
	for _, d := range declared {
		if d.Type == OptSubCommand || d.Type == OptSubCommandGroup {
			if len(given) == 0 {
				*errs = append(*errs, protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeRequired, Message: "A sub-command is required"})
			}
			return
		}
		if d.Required && !seen[d.Name] {
			*errs = append(*errs, protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeRequired,
				Message: fmt.Sprintf("Option %q is required", d.Name)})
		}
	}
}
