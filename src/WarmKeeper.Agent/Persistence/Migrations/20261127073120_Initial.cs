using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarmKeeper.Agent.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TimeUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Function = table.Column<string>(type: "TEXT", maxLength: 140, nullable: true),
                    Qualifier = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    PolicyId = table.Column<string>(type: "TEXT", nullable: true),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Summary = table.Column<string>(type: "TEXT", nullable: false),
                    Data = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_events", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "warmup_policies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Function = table.Column<string>(type: "TEXT", maxLength: 140, nullable: false),
                    Qualifier = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Schedule = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    FanOut = table.Column<int>(type: "INTEGER", nullable: false),
                    PayloadFormat = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CustomPayload = table.Column<string>(type: "TEXT", nullable: true),
                    HoldMs = table.Column<int>(type: "INTEGER", nullable: false),
                    ActiveWindow = table.Column<string>(type: "TEXT", nullable: true),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Verify = table.Column<bool>(type: "INTEGER", nullable: false),
                    TopUpBudget = table.Column<int>(type: "INTEGER", nullable: true),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_warmup_policies", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_events_Function_TimeUnixMs",
                table: "events",
                columns: new[] { "Function", "TimeUnixMs" });

            migrationBuilder.CreateIndex(
                name: "IX_events_Kind_TimeUnixMs",
                table: "events",
                columns: new[] { "Kind", "TimeUnixMs" });

            migrationBuilder.CreateIndex(
                name: "IX_events_TimeUnixMs",
                table: "events",
                column: "TimeUnixMs");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "events");

            migrationBuilder.DropTable(
                name: "warmup_policies");
        }
    }
}
