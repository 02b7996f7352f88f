using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WarmKeeper.Agent.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AddConcurrencyPolicies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "concurrency_policies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Function = table.Column<string>(type: "TEXT", maxLength: 140, nullable: false),
                    Qualifier = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Document = table.Column<string>(type: "TEXT", nullable: false),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedUnixMs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_concurrency_policies", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_concurrency_policies_Target_Function_Qualifier",
                table: "concurrency_policies",
                columns: new[] { "Target", "Function", "Qualifier" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "concurrency_policies");
        }
    }
}
